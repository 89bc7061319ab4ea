/** The user.erased event's stream fields (docs/events.md), written and read back. */
import { eventFields, eventFromFields, userErasedFromFields } from '../../src/events/change-events.js';

describe('the user.erased event', () => {
  const event = {
    type: 'user.erased' as const,
    user_id: 'u1',
    deleted: 1532,
    time: '2026-12-01T00:00:00.000Z',
  };

  test('when it is written as stream fields, then they are type, user_id, deleted and time, and read back the same', () => {
    const fields = eventFields(event);
    expect(fields).toEqual(['type', 'user.erased', 'user_id', 'u1', 'deleted', '1532', 'time', event.time]);
    expect(userErasedFromFields(fields)).toEqual(event);
    // A record event reader does not take it for a record's change.
    expect(eventFromFields(fields)).toBeUndefined();
  });

  test('when its fields are incomplete or of another event, then it is not read as one', () => {
    for (const fields of [
      ['type', 'user.erased', 'user_id', 'u1', 'time', event.time],
      ['type', 'user.erased', 'user_id', 'u1', 'deleted', '-1', 'time', event.time],
      ['type', 'user.erased', 'user_id', 'u1', 'deleted', '1.5', 'time', event.time],
      ['type', 'data.deleted', 'id', 'x', 'user_id', 'u1', 'version', '1', 'time', event.time],
    ]) {
      expect(userErasedFromFields(fields)).toBeUndefined();
    }
  });
});
