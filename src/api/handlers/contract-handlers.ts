/**
 * The published contract, whole and as the partner view, each as JSON and YAML, with a weak
 * entity tag so that partners can poll for changes with If-None-Match (304 while unchanged).
 */
import { createHash } from 'node:crypto';
import type { Context } from 'openapi-backend';
import type { Reply } from '../../services/reply.js';
import type { Contract } from '../contract.js';
import { parseIfNoneMatch } from '../preconditions.js';

interface Served {
  body: string;
  type: string;
  /** The opaque tag without W/, e.g. `"3q2-..."`: what If-None-Match is compared with. */
  tag: string;
}

// Weak: the same document is answered plain or compressed, and a strong tag would have to differ
// between those bytes (RFC 9110 8.8.3); weak comparison is all If-None-Match needs.
function served(body: string, type: string): Served {
  return { body, type, tag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

function unchanged(header: string | undefined, tag: string): boolean {
  const condition = parseIfNoneMatch(header);
  if (!condition) return false;
  return condition.any || condition.tags.includes(tag);
}

export interface ContractHandlersDeps {
  contract: Contract;
  /** Cache-Control max-age of the documents. */
  referenceTtlSeconds: number;
}

export function contractHandlers(deps: ContractHandlersDeps) {
  // Built on first use: the contract test builds the handlers without a contract.
  let documents: Record<'json' | 'yaml' | 'partnerJson' | 'partnerYaml', Served> | undefined;
  const caching = `public, max-age=${deps.referenceTtlSeconds}`;

  function answer(which: keyof NonNullable<typeof documents>, c: Context): Reply {
    documents ??= {
      json: served(deps.contract.json, 'application/json'),
      yaml: served(deps.contract.yaml, 'application/yaml'),
      partnerJson: served(deps.contract.partner.json, 'application/json'),
      partnerYaml: served(deps.contract.partner.yaml, 'application/yaml'),
    };
    const doc = documents[which];
    const headers = { ETag: `W/${doc.tag}`, 'Cache-Control': caching };
    const ifNoneMatch = c.request.headers['if-none-match'];
    if (unchanged(typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined, doc.tag)) {
      return { status: 304, headers };
    }
    return { status: 200, body: doc.body, type: doc.type, headers };
  }

  return {
    getOpenapiJson: (c: Context) => answer('json', c),
    getOpenapiYaml: (c: Context) => answer('yaml', c),
    getOpenapiPartnerJson: (c: Context) => answer('partnerJson', c),
    getOpenapiPartnerYaml: (c: Context) => answer('partnerYaml', c),
  };
}
