/**
 * A 5xx is logged with its cause, the driver's error, and drivers put request data on their
 * errors: PGlite the statement's bind values (`params`: the payload, the user id), PostgreSQL
 * the failing row (`detail`), and messages quote refused values. The log lines of such a 5xx,
 * read back from the logger, on every backend here, hold none of it.
 */
import { BACKENDS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServerOn, type TestServer } from '../helpers/server.js';

const MARKER = 'CARD-4111-1111-1111-1111';

// A statement that fails as drivers fail: an internal error whose detail carries the row, as
// PostgreSQL's own "Failing row contains (...)" does.
const BREAK_INSERTS = `
CREATE FUNCTION refuse_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'records refused a row'
    USING ERRCODE = 'XX000', DETAIL = 'Failing row contains (' || NEW.user_id || ', ' || NEW.payload::text || ').';
END $$;
CREATE TRIGGER refuse_records BEFORE INSERT ON records FOR EACH ROW EXECUTE FUNCTION refuse_records();
`;

describe.each(BACKENDS)('driver errors in the logs (%s)', (kind) => {
  let t: TestDatabase;
  let s: TestServer;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    s = await startServerOn(t.db, {}, lines);
    await t.db.exec(BREAK_INSERTS);
  });
  afterAll(async () => {
    await s?.close();
    await t?.drop();
  });

  test('when a write fails inside the database, then the 500 is logged with its cause and without the request data', async () => {
    const res = await s.request('POST', '/data', {
      body: { user_id: `owner-${MARKER}`, payload: { card: MARKER } },
    });
    expect([res.status, res.body.code]).toEqual([500, 'DAPI-5001']);
    const failed = lines.find((l) => l.msg === 'request failed');
    // Still useful: the driver's code and message are there.
    expect(failed?.err).toMatchObject({ code: 'XX000', message: 'records refused a row' });
    expect(JSON.stringify(lines)).not.toContain(MARKER);
    expect(JSON.stringify(lines)).not.toContain('Failing row');
  });
});
