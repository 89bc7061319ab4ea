/**
 * The request parse openapi-backend runs three times a request, with the path templates
 * compiled once. test/unit/request-parsing.test.ts pins it against openapi-backend's own parse
 * for every operation of the contract. docs/adr/0007-router-and-request-parse.md.
 */
import type { OpenAPIRouter, Operation, Request } from 'openapi-backend';

type PathParams = (path: string) => Record<string, string>;

/**
 * openapi-backend parses each request three times (handleRequest before and after routing, and
 * the validator), and each parse copies the headers through lodash, parses cookies and the
 * query, and compiles the path template again (bath-es5) to read the path parameters. This
 * parse is openapi-backend's own, step for step, with the templates compiled once: the same
 * lower-cased header copy, the same query parser (router.parseRequestQuery), the same path
 * parameters (bath-es5 matches `([^/]*)` per parameter and decodes each with
 * decodeURIComponent), and a fresh object each call, since the validator coerces its copy in
 * place. Requests openapi-backend would treat specially (a Cookie header, or an operation with
 * a JSON-content or non-exploded query parameter, none in this contract today) go to the
 * original.
 */
export function compileRequestParse(router: OpenAPIRouter): void {
  const original = router.parseRequest.bind(router);
  const pathParams = new Map<Operation, PathParams>();
  for (const op of router.getOperations()) {
    if (!parsesSpecially(op)) pathParams.set(op, compilePathParams(op.path));
  }
  router.parseRequest = ((req: Request, operation?: Operation) => {
    const params = operation === undefined ? undefined : pathParams.get(operation);
    if ((operation !== undefined && params === undefined) || req.headers.cookie !== undefined) {
      return original(req, operation);
    }
    let requestBody = req.body;
    if (req.body && typeof req.body !== 'object') {
      try {
        requestBody = JSON.parse(String(req.body));
      } catch {
        // as openapi-backend: the validator reports malformed JSON
      }
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
    const query = router.parseRequestQuery(req);
    const normalized = router.normalizeRequest(req);
    return {
      ...normalized,
      params: params ? params(router.normalizePath(normalized.path)) : {},
      headers,
      query,
      cookies: {},
      requestBody,
    };
  }) as typeof router.parseRequest;
}

/** A query parameter openapi-backend's parse rewrites: JSON content, or not exploded. */
function parsesSpecially(op: Operation): boolean {
  return ((op.parameters ?? []) as { in?: string; content?: unknown; explode?: boolean }[]).some(
    (p) => p.in === 'query' && (p.content !== undefined || p.explode === false),
  );
}

/** bath-es5's reading of a template's parameters, compiled once. */
function compilePathParams(template: string): PathParams {
  const names = [...template.matchAll(/\{([A-Za-z0-9_-]+)\}/g)].map((m) => m[1]!);
  const pattern = new RegExp(`^${template.replace(/\{[A-Za-z0-9_-]+\}/g, '([^\\/]*)')}$`);
  return (path) => {
    const m = pattern.exec(path);
    const params: Record<string, string> = {};
    if (m === null) return params;
    for (let i = 0; i < names.length; i++) {
      const value = decodeURIComponent(m[i + 1]!);
      // bath-es5 refuses a template naming one parameter twice with two different values.
      if (names[i]! in params && params[names[i]!] !== value) return {};
      params[names[i]!] = value;
    }
    return params;
  };
}
