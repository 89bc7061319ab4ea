/**
 * The contract's route table, compiled once: which operation a request is, and which path of
 * the contract a request path is (for the 405 answer's Allow, CORS preflights, and the route
 * label of every log line, metric and span). docs/adr/0007-router-and-request-parse.md.
 */
import type { OpenAPIRouter, Operation, Request } from 'openapi-backend';

/** A path of the contract: its template (for logs and metrics) and the methods it declares. */
export interface ContractPath {
  route: string;
  /**
   * Upper case, in the order get, head, put, post, patch, delete. HEAD is served wherever GET
   * is (middleware/head-requests.ts), though the contract declares GET only.
   */
  methods: string[];
}

/** The one way to name the contract path a request path is addressed to. */
export type RouteOf = (path: string) => ContractPath | undefined;

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
// openapi-backend's handleRequest picks its notFound or methodNotAllowed handler by the prefix.
const NOT_FOUND = '404-notFound: no route matches request';
const METHOD_NOT_ALLOWED = '405-methodNotAllowed: this method is not registered for the route';

/**
 * openapi-backend rebuilds its list of operations (a lodash chain over the whole document) and
 * compiles a regular expression per path template on every match, and matches twice per
 * request. The document does not change after init, so the list is built once and the
 * templates compiled once. Matching keeps openapi-backend's rules (an exact path first, then
 * the templates by specificity, longest literal part first; 404 when no path matches, 405 when
 * a path matches but not the method) with one addition: a concrete path of the contract never
 * falls back to a template, as OpenAPI requires (/data/bulk is never /data/{id} with id=bulk),
 * so a method it does not declare is a 405. The api root is '/' (no apiRoot option is given),
 * so every normalized path is under it.
 */
export function compileRoutes(router: OpenAPIRouter): void {
  const operations = router.getOperations();
  const exact = new Map<string, Operation[]>();
  for (const op of operations) exact.set(op.path, [...(exact.get(op.path) ?? []), op]);
  const concrete = new Map([...exact].filter(([path]) => !path.includes('{')));
  const templates = operations
    .filter((op) => op.path.includes('{'))
    .map((op) => ({ op, pattern: new RegExp(templatePattern(op.path)) }))
    // Array.prototype.sort is stable, as lodash's orderBy.
    .sort((a, b) => literalLength(b.op.path) - literalLength(a.op.path));
  router.getOperations = () => operations;
  router.matchOperation = ((req: Request, strict?: boolean) => {
    const normalized = router.normalizeRequest(req);
    const method = normalized.method;
    const fail = (reason: string): undefined => {
      if (strict) throw Error(reason);
      return undefined;
    };
    // After trailing slashes are dropped, as every path is: /data/bulk/ is /data/bulk, never
    // /data/{id} with id=bulk.
    const path = router.normalizePath(normalized.path);
    const declared = concrete.get(path);
    if (declared) return declared.find((op) => op.method === method) ?? fail(METHOD_NOT_ALLOWED);
    const exactMatch = exact.get(path)?.find((op) => op.method === method);
    if (exactMatch) return exactMatch;
    let anyPath = false;
    for (const { op, pattern } of templates) {
      if (!pattern.test(path)) continue;
      anyPath = true;
      if (op.method === method) return op;
    }
    return anyPath ? fail(METHOD_NOT_ALLOWED) : fail(NOT_FOUND);
  }) as typeof router.matchOperation;
}

/**
 * The contract path a request path is addressed to, whatever the method, and the methods it
 * declares, as the compiled router answers them; undefined when no path of the contract
 * matches. Every route label (request log, metrics, spans), the 405 answer's Allow and CORS
 * preflights come from here, so they cannot disagree: GET /data/bulk is labelled /data/bulk.
 */
export function routeOf(router: OpenAPIRouter, path: string): ContractPath | undefined {
  let route: string | undefined;
  const methods: string[] = [];
  for (const method of METHODS) {
    const op = router.matchOperation({ method, path, headers: {} });
    if (op === undefined) continue;
    route = op.path;
    methods.push(method.toUpperCase());
    if (method === 'get') methods.push('HEAD');
  }
  return route === undefined ? undefined : { route, methods };
}

function templatePattern(path: string): string {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^${path
    .replace(/\{[^}]+\}/g, '\0')
    .split('\0')
    .map(literal)
    .join('[^/]+')}$`;
}

function literalLength(path: string): number {
  return path.replace(/\{.*?\}/g, '').length;
}
