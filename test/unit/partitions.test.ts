/** The partition plan (src/data/partition-plan.ts) without a database: months, overlaps, retention. */
import { assertDroppable, type Partition, planMaintenance } from '../../src/data/partition-plan.js';
import { partitionName } from '../../src/data/partitions.js';

const at = (iso: string) => new Date(iso);
const month = (from: string, to: string): Partition => ({
  name: partitionName(at(from)),
  from: at(from),
  to: at(to),
  isDefault: false,
});
const converted: Partition = {
  name: 'records_before_202612',
  from: null,
  to: at('2026-12-01T00:00:00Z'),
  isDefault: false,
};

describe('partition plan', () => {
  const now = at('2026-11-30T23:59:59.999Z');

  test('when months are missing across a year end, then exactly those are planned, in UTC months', () => {
    const plan = planMaintenance(
      [converted, month('2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z')],
      { premakeMonths: 3, retentionMonths: 0 },
      now,
    );
    expect(plan.create.map(partitionName)).toEqual(['records_p202701', 'records_p202702']);
    expect(plan.drop).toEqual([]);
  });

  test('when a backfill starts inside the converted table, then only the months after it are planned', () => {
    const plan = planMaintenance([converted], { premakeMonths: 1, retentionMonths: 0 }, now, {
      from: at('2026-01-15T00:00:00Z'),
    });
    expect(plan.create.map(partitionName)).toEqual(['records_p202612']);
  });

  test('when the retention is 2 months, then partitions ending by the cutoff go and the one reaching past it stays', () => {
    const existing = [
      month('2026-08-01T00:00:00Z', '2026-09-01T00:00:00Z'),
      month('2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z'),
      month('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'),
      month('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'),
    ];
    const policy = { premakeMonths: 0, retentionMonths: 2 };
    const plan = planMaintenance(existing, policy, now);
    expect(plan.drop.map((p) => p.name)).toEqual(['records_p202608']);
    expect(() => assertDroppable(existing[0]!, policy, now)).not.toThrow();
    expect(() => assertDroppable(existing[1]!, policy, now)).toThrow('after the retention cutoff 2026-09-01');
    expect(() => assertDroppable(converted, policy, now)).toThrow('refusing');
    expect(() => assertDroppable(existing[0]!, { premakeMonths: 0, retentionMonths: 0 }, now)).toThrow(
      'is 0',
    );
  });
});
