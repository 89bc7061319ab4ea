// A records row (snake_case, as the SQL returns it) as the service answers it, so the baselines
// send, and the harness caches for them, the same bytes as the service.
export function recordJson(r) {
  return {
    id: r.id,
    user_id: r.user_id,
    payload: r.payload,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    version: r.version,
  };
}
