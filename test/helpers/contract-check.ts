/**
 * Checks a real HTTP response against the published contract: the status is declared for the
 * operation, the Content-Type is one it declares, the body validates against its schema, and
 * every required response header is present and valid. HEAD is checked as the GET it stands
 * for, without content. Responses outside any operation (404,
 * 405) must be problem+json bodies that match the Problem schema; so must every OPTIONS answer,
 * except a CORS preflight answered for an allowed origin (the contract's description): 204, no
 * body, Access-Control-Allow-Origin and -Methods.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { OpenAPIBackend, Request } from 'openapi-backend';
import { parse as parseYaml } from 'yaml';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

interface MediaObject {
  schema?: object;
}
interface HeaderObject {
  required?: boolean;
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaObject>;
  headers?: Record<string, HeaderObject>;
}

export interface ObservedResponse {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

export class ContractChecker {
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  private readonly cache = new WeakMap<object, ValidateFunction>();

  constructor(private readonly api: OpenAPIBackend) {}

  private validator(schema: object): ValidateFunction {
    let v = this.cache.get(schema);
    if (!v) {
      v = this.ajv.compile(schema);
      this.cache.set(schema, v);
    }
    return v;
  }

  private problemSchema(): object {
    const doc = this.api.definition as unknown as { components: { schemas: Record<string, object> } };
    return doc.components.schemas.Problem as object;
  }

  /** Throws an Error naming what differs from the contract. */
  check(res: ObservedResponse): void {
    const where = `${res.method} ${res.path} -> ${res.status}`;
    const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const url = new URL(res.path, 'http://x');
    // HEAD is answered wherever GET is, as GET without content (the contract's description).
    const head = res.method === 'HEAD';
    const matched = this.api.router.matchOperation({
      method: head ? 'GET' : res.method,
      path: url.pathname,
      headers: {},
    } as Request);
    // As in the server: a concrete path never falls back to a template (/data/bulk is not
    // /data/{id}), trailing slashes dropped.
    const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const concrete = this.api.router.getOperations().some((op) => op.path === pathname);
    const operation = matched && (!concrete || matched.path === pathname) ? matched : undefined;
    if (!operation && res.method === 'OPTIONS' && res.status === 204) {
      for (const name of ['access-control-allow-origin', 'access-control-allow-methods']) {
        if (res.headers.get(name) === null) throw new Error(`${where}: a preflight answer without ${name}`);
      }
      if (res.text !== '') throw new Error(`${where}: a preflight answer with a body`);
      return;
    }
    if (!operation) {
      // Answers that concern no operation (the contract's description): an unknown path or
      // method, and a request refused before routing (406, 417).
      if (![404, 405, 406, 417].includes(res.status))
        throw new Error(`${where}: no operation, yet not 404/405/406/417`);
      if (type !== 'application/problem+json') throw new Error(`${where}: content-type ${type}`);
      if (!head) this.validate(this.problemSchema(), JSON.parse(res.text), where);
      return;
    }
    const responses = operation.responses as Record<string, ResponseObject>;
    const declared = responses[String(res.status)] ?? responses.default;
    if (!declared) throw new Error(`${where}: status not declared for ${operation.operationId}`);
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      const value = res.headers.get(name);
      if (value === null) {
        if (header.required) throw new Error(`${where}: required header ${name} missing`);
        continue;
      }
      if (header.schema) this.validate(header.schema, value, `${where} header ${name}`);
    }
    if (!declared.content || head) {
      if (res.text !== '') throw new Error(`${where}: a body where the contract declares none`);
      if (head && declared.content && !declared.content[type]) {
        throw new Error(`${where}: content-type ${type} not declared for the GET`);
      }
      return;
    }
    const media = declared.content[type];
    if (!media) throw new Error(`${where}: content-type ${type} not declared`);
    if (media.schema) {
      const isJson = type === 'application/json' || type.endsWith('+json');
      const value = isJson
        ? JSON.parse(res.text)
        : type === 'application/yaml'
          ? parseYaml(res.text)
          : res.text;
      this.validate(media.schema, value, where);
    }
  }

  private validate(schema: object, value: unknown, where: string): void {
    const v = this.validator(schema);
    if (!v(value)) throw new Error(`${where}: ${this.ajv.errorsText(v.errors)}\n${JSON.stringify(value)}`);
  }
}
