/**
 * GCRA in Redis, shared by every instance, without a Redis round trip of its own per request:
 * the checks that arrive in one turn of the event loop are decided by one script call
 * (gcra.ts, GCRA_BATCH_LUA), which rides in that turn's pipeline with the cache's commands
 * (redis/turn-pipeline.ts). The script decides them one after another, atomically, on Redis's
 * clock, so the budget stays exact across instances: a batch is the same sequence of steps as
 * the same checks sent one by one. When the call has no answer, every check of it answers
 * undefined and is decided in the process (rate-limiter.ts), as a single check was.
 *
 * A check with a gate (RateCheck.gate) goes into the call right after its gate, which the script
 * decides first: one call for both, and nothing spent when the gate refuses.
 *
 * On a Redis Cluster the keys of one script call must share a slot: the checks of a turn are
 * grouped by subject (its hash tag, so its slot), one call per group, and a gate on another
 * subject is asked before its check.
 */
import type { ChainableCommander } from 'ioredis';
import type { RateCheck, RateDecision, RateKind } from '../domain/rate-limit.js';
import type { RedisGateway } from '../redis/redis-gateway.js';
import { TurnPipeline, type PipelineReply } from '../redis/turn-pipeline.js';
import {
  decide,
  GCRA_BATCH_LUA,
  policies,
  subjectKey,
  unitsOf,
  type GcraResult,
  type Policy,
  type RateLimitOptions,
} from './gcra.js';

/** A limiter that may have no answer (Redis absent or down): undefined means "decide elsewhere". */
export interface OptionalRateLimiter {
  check(subject: string, kind: RateKind, options?: RateCheck): Promise<RateDecision | undefined>;
}

const COMMAND = 'dapiRateLimitGcraBatch';
/** Checks per script call at most: a call holds Redis for its whole length (about 1 µs a check). */
export const MAX_CHECKS_PER_CALL = 256;

type BatchCommand = (numberOfKeys: number, ...keysThenArgs: (string | number)[]) => unknown;

/** One check as the script takes it. */
interface Step {
  key: string;
  policy: Policy;
  units: number;
  dryRun: boolean;
}

interface Pending extends Step {
  /** Where in the batch the gate of this check is, when it has one. */
  gate?: number;
  resolve(result: StepResult | undefined): void;
}

/** A check's result: decided, or not made because its gate refused. */
type StepResult = Omit<GcraResult, 'tat'> | 'gated';

/**
 * The results of one script call's checks, in order: undefined for all when the call had no
 * answer, for one when Redis refused that check's commands (GCRA_BATCH_LUA's -1); 'gated' for a
 * check its gate refused (2).
 */
export function parseBatchReply(
  reply: PipelineReply | undefined,
  count: number,
): (StepResult | undefined)[] | undefined {
  if (!reply || reply[0] || !Array.isArray(reply[1]) || reply[1].length !== count * 4) return undefined;
  const values = (reply[1] as unknown[]).map(Number);
  if (!values.every(Number.isFinite)) return undefined;
  return Array.from({ length: count }, (_, i) => {
    const allowed = values[i * 4];
    if (allowed === -1) return undefined;
    if (allowed === 2) return 'gated';
    return {
      allowed: allowed === 1,
      remaining: values[i * 4 + 1] as number,
      resetUs: values[i * 4 + 2] as number,
      retryUs: values[i * 4 + 3] as number,
    };
  });
}

/**
 * The checks of one gateway waiting for their turn's script call, whichever limiter asked (the
 * read and write budgets, the failed-authentication budget): one call for all of them.
 */
class GcraBatcher {
  private static readonly batchers = new WeakMap<RedisGateway, GcraBatcher>();
  private readonly pipeline: TurnPipeline;
  /** The batch of this turn still taking checks: one on a single Redis (''), one per subject on a Cluster. */
  private readonly open = new Map<string, Pending[]>();
  /** Batches whose script call has been built (or will never be): they take no more checks. */
  private readonly closed = new WeakSet<Pending[]>();

  private constructor(private readonly gateway: RedisGateway) {
    this.pipeline = TurnPipeline.of(gateway).define({ [COMMAND]: { lua: GCRA_BATCH_LUA } });
  }

  static of(gateway: RedisGateway): GcraBatcher {
    let batcher = GcraBatcher.batchers.get(gateway);
    if (!batcher) {
      batcher = new GcraBatcher(gateway);
      GcraBatcher.batchers.set(gateway, batcher);
    }
    return batcher;
  }

  /**
   * Queues a check, after its gate when it has one (both in one call: the caller groups them on
   * one slot). `tag` is the check's hash tag (its subject), which decides its slot.
   */
  check(tag: string, step: Step, gate?: Step): Promise<[StepResult | undefined, StepResult | undefined]> {
    const group = this.gateway.cluster ? tag : '';
    let batch = this.open.get(group);
    const needed = gate ? 2 : 1;
    if (!batch || this.closed.has(batch) || batch.length + needed > MAX_CHECKS_PER_CALL) {
      batch = [];
      this.open.set(group, batch);
      void this.send(group, batch);
    }
    const into = batch;
    const gated = gate && new Promise<StepResult | undefined>((resolve) => into.push({ ...gate, resolve }));
    const at = into.length - 1;
    const own = new Promise<StepResult | undefined>((resolve) =>
      into.push({ ...step, ...(gate && { gate: at }), resolve }),
    );
    return Promise.all([gated, own]);
  }

  /** One script call for the batch, sent with the turn's pipeline once the turn is over. */
  private async send(group: string, batch: Pending[]): Promise<void> {
    const close = () => {
      this.closed.add(batch);
      if (this.open.get(group) === batch) this.open.delete(group);
    };
    const replies = await this.pipeline.submit((pipe) => {
      // From here on, checks of this group go to a new batch (the next turn's).
      close();
      const args: (string | number)[] = batch.map((p) => p.key);
      for (const p of batch) {
        args.push(p.policy.intervalUs, p.policy.periodUs, p.units, p.dryRun ? '1' : '0');
        args.push(p.gate === undefined ? 0 : p.gate + 1);
      }
      (pipe as ChainableCommander & Record<typeof COMMAND, BatchCommand>)[COMMAND](batch.length, ...args);
    });
    // The call may never have been built (no Redis, circuit open): then the batch closes here.
    close();
    const results = parseBatchReply(replies?.[0], batch.length);
    for (const [i, p] of batch.entries()) p.resolve(results?.[i]);
  }
}

export class RedisRateLimiter implements OptionalRateLimiter {
  private readonly policies: Record<RateKind, Policy>;
  private readonly batcher: GcraBatcher;

  constructor(
    private readonly gateway: RedisGateway,
    options: RateLimitOptions = {},
  ) {
    this.policies = policies(options);
    this.batcher = GcraBatcher.of(gateway);
  }

  /** `<prefix>rl:{<subject>}:<kind>`: the hash tag puts every kind of one subject in one slot. */
  key(subject: string, kind: RateKind): string {
    return `${this.gateway.keyPrefix}rl:{${subjectKey(subject)}}:${kind}`;
  }

  async check(subject: string, kind: RateKind, options: RateCheck = {}): Promise<RateDecision | undefined> {
    if (!this.gateway.configured) return undefined;
    const step = this.step(subject, kind, options.cost, options.dryRun);
    const { gate } = options;
    const gateStep = gate && this.step(gate.subject, gate.kind, 1, gate.dryRun);
    // On a Cluster the gate's key is in another slot: asked first, in a call of its own.
    if (gateStep && gate && this.gateway.cluster && subjectKey(gate.subject) !== subjectKey(subject)) {
      const [, first] = await this.batcher.check(subjectKey(gate.subject), gateStep);
      if (first === undefined || first === 'gated') return undefined;
      if (!first.allowed) return { ...decide(gateStep.policy, first), gated: true };
      const [, own] = await this.batcher.check(subjectKey(subject), step);
      return own === undefined || own === 'gated' ? undefined : decide(step.policy, own);
    }
    const [first, own] = await this.batcher.check(subjectKey(subject), step, gateStep);
    if (gateStep && first !== undefined && first !== 'gated' && !first.allowed) {
      return { ...decide(gateStep.policy, first), gated: true };
    }
    return own === undefined || own === 'gated' ? undefined : decide(step.policy, own);
  }

  private step(subject: string, kind: RateKind, cost: number | undefined, dryRun: boolean | undefined): Step {
    const policy = this.policies[kind];
    return { key: this.key(subject, kind), policy, units: unitsOf(policy, cost), dryRun: dryRun === true };
  }
}
