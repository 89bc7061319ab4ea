/**
 * The import rules of src/ (docs/architecture.md, docs/adr/0008-layers.md), checked by `make lint`:
 *   api → services → domain ← adapters (data, auth, cache, ratelimit, events, redis, usage), wired by the
 *   composition root (main.ts, app.ts, cluster.ts, http-server.ts); config/ and domain/ import no
 *   other room; no cycles. test/unit/architecture-rules.test.ts feeds each rule a wrong import.
 */
const ADAPTERS = '^src/(data|auth|cache|ratelimit|events|redis|usage)/';
// The logger (a pino instance and its type) is taken by every room that logs.
const LOGGER = '^src/observability/logger[.]ts$';

/** A room may import only these rooms of src/ (and itself, and anything outside src/). */
function only(name, from, allowed) {
  return {
    name,
    severity: 'error',
    comment: `${from} may import only ${allowed.join(', ') || 'nothing else in src/'}`,
    from: { path: `^src/${from}/` },
    to: {
      path: '^src/',
      pathNot: [`^src/${from}/`, LOGGER, ...allowed.map((room) => `^src/${room}/`)],
    },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide which room depends on which.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    only('domain-imports-nothing', 'domain', []),
    only('config-imports-nothing', 'config', []),
    only('services-use-the-domain', 'services', ['domain', 'config']),
    only('api-uses-services', 'api', ['services', 'domain', 'config', 'observability']),
    only('data-is-an-adapter', 'data', ['domain', 'config']),
    only('auth-is-an-adapter', 'auth', ['domain', 'config']),
    only('redis-is-an-adapter', 'redis', ['domain', 'config']),
    only('cache-is-an-adapter', 'cache', ['domain', 'config', 'redis']),
    only('ratelimit-is-an-adapter', 'ratelimit', ['domain', 'config', 'redis']),
    only('events-is-an-adapter', 'events', ['domain', 'config', 'redis']),
    only('usage-is-an-adapter', 'usage', ['domain', 'config', 'redis']),
    only('observability-imports-no-adapter', 'observability', ['domain', 'config']),
    {
      name: 'adapters-are-wired-by-the-root',
      severity: 'error',
      comment: 'Only the composition root (and the CLIs) may import an adapter into another room.',
      from: { path: '^src/(api|services|domain|config|observability)/' },
      to: { path: ADAPTERS },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
    reporterOptions: {
      dot: {
        collapsePattern: '^(src/[^/]+/|generated/)',
        theme: { graph: { rankdir: 'TB', splines: 'ortho' } },
      },
    },
  },
};
