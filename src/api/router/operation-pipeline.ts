/**
 * What runs per request once the compiled matcher has named an operation: the request parsed
 * once, the operation's security requirements, its compiled validators and its handler, each
 * looked up at start (docs/adr/0007-router-and-request-parse.md). openapi-backend still defines
 * the routes, compiles the validators (getRequestValidatorsForOperation) and owns every handler;
 * its handleRequest runs only for what this does not cover (no operation matched, a string body,
 * an operation with a JSON-content query parameter). test/unit/operation-pipeline.test.ts pins it
 * against handleRequest.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type Koa from 'koa';
import type { Context, OpenAPIBackend, Operation, Request } from 'openapi-backend';

/** Runs one matched request to its handler's reply (or to the lifecycle handler that refuses it). */
export type OperationRun = (request: Request, ctx: Koa.Context) => unknown;

type Handler = (c: Context, ...args: unknown[]) => unknown;
type Requirement = Record<string, unknown>;

// Handlers handleRequest would call around an operation; none is registered here, and an
// api that registers one keeps openapi-backend's lifecycle for every request.
const HOOKS = ['preRoutingHandler', 'postRoutingHandler', 'postSecurityHandler', 'preOperationHandler'];
const NOT_COVERED = ['postResponseHandler', ...HOOKS];

/** True for a truthy `error` member: openapi-backend's mark of a failed (thrown) security check. */
function failed(result: unknown): boolean {
  return !result || (typeof result === 'object' && Boolean((result as { error?: unknown }).error));
}

function mediaTypeOf(value: unknown): string {
  const raw = Array.isArray(value) ? (value[0] as unknown) : value;
  return String(raw ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

/**
 * openapi-backend's security step for one operation: every scheme its requirements name is
 * asked once; a requirement is met when all its schemes answered truthy; any met requirement
 * authorizes. A thrown check is a failed one.
 */
function securityCheck(api: OpenAPIBackend, operation: Operation) {
  const requirements = (operation.security ?? []) as Requirement[];
  const schemes = [...new Set(requirements.flatMap((r) => Object.keys(r)))].map(
    (name) => [name, api.securityHandlers[name] as Handler | undefined] as const,
  );
  return async (c: Context, ctx: Koa.Context): Promise<boolean> => {
    const results: Record<string, unknown> = {};
    for (const [name, check] of schemes) {
      let result: unknown;
      try {
        result = check?.(c, ctx);
        if (result instanceof Promise) result = await result;
      } catch (error) {
        result = { error: error || new Error('security handler rejected') };
      }
      results[name] = result;
    }
    const authorized = requirements.some((r) => Object.keys(r).every((name) => !failed(results[name])));
    c.security = { ...results, authorized };
    return authorized || requirements.length === 0;
  };
}

/**
 * openapi-backend's validateRequest for one operation, without what does not apply to it: the
 * parsed request as {path, query, header, cookie, requestBody}, a lone value of an array query
 * parameter made an array, then its compiled validators (the body's, then the parameters', which
 * coerce path, query and header values in place). Returns Ajv's errors, in that order.
 */
function requestValidation(api: OpenAPIBackend, operation: Operation) {
  const validators = (api.validator.getRequestValidatorsForOperation(operation.operationId!) ??
    []) as ValidateFunction[];
  const arrayQuery = (
    (operation.parameters ?? []) as { in?: string; name?: string; schema?: { type?: unknown } }[]
  )
    .filter((p) => p.in === 'query' && p.schema?.type === 'array')
    .map((p) => p.name!);
  return (c: Context): ErrorObject[] => {
    const { params, query, headers, cookies, requestBody } = c.request;
    for (const name of arrayQuery) if (typeof query[name] === 'string') query[name] = [query[name]];
    const parameters: Record<string, unknown> = { path: params, query, header: headers, cookie: cookies };
    if (typeof requestBody === 'object' || mediaTypeOf(headers['content-type']) === 'application/json') {
      parameters.requestBody = requestBody;
    }
    const errors: ErrorObject[] = [];
    for (const validate of validators) {
      if (!validate(parameters)) for (const e of validate.errors ?? []) errors.push(e);
    }
    return errors;
  };
}

/** False for what openapi-backend's handleRequest must keep: see the module comment. */
function covered(api: OpenAPIBackend, operation: Operation): boolean {
  const jsonQuery = (
    (operation.parameters ?? []) as { in?: string; content?: Record<string, unknown> }[]
  ).some((p) => p.in === 'query' && p.content?.['application/json'] !== undefined);
  return !jsonQuery && api.validate === true && api.validator.coerceTypes;
}

/**
 * The run of each operation, compiled once: undefined for an operation left to handleRequest.
 * The context handed to the handlers is openapi-backend's (api, request, operation, security,
 * validation); its request is the one parse, with the values as validated (coerced).
 */
export function compileOperations(api: OpenAPIBackend): Map<Operation, OperationRun> {
  const runs = new Map<Operation, OperationRun>();
  if (NOT_COVERED.some((name) => api.handlers[name] !== undefined)) return runs;
  const lifecycle = (name: string) => {
    const handler = api.handlers[name] as Handler | undefined;
    if (!handler) throw new Error(`the contract router needs a ${name} handler`);
    return handler;
  };
  const validationFail = lifecycle('validationFail');
  const notImplemented = lifecycle('notImplemented');
  for (const operation of api.router.getOperations()) {
    if (!covered(api, operation)) continue;
    const secure = securityCheck(api, operation);
    const validate = requestValidation(api, operation);
    const unauthorized = operation.security?.length ? lifecycle('unauthorizedHandler') : undefined;
    const handler = (api.handlers[operation.operationId!] as Handler | undefined) ?? notImplemented;
    runs.set(operation, async (request, ctx) => {
      const c = {
        api,
        operation,
        request: api.router.parseRequest(request, operation),
        security: {},
        validation: { valid: true, errors: null },
      } as unknown as Context;
      if (!(await secure(c, ctx))) return unauthorized!(c, ctx);
      const errors = validate(c);
      if (errors.length > 0) {
        c.validation = { valid: false, errors };
        return validationFail(c, ctx);
      }
      return handler(c, ctx);
    });
  }
  return runs;
}
