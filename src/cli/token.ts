/**
 * `make token`: mints an HS256 bearer token for development and tests, signed with
 * AUTH_JWT_SECRET, with the configured issuer and audience.
 *   AUTH_JWT_SECRET=... node dist/src/cli/token.js --sub user123 --scope "data:read data:write" --ttl 3600
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadTokenConfig } from '../config/tool-config.js';

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'user123' },
    scope: { type: 'string', default: 'data:read data:write' },
    ttl: { type: 'string', default: '3600' },
  },
});
const { jwtSecret: secret, issuer, audience } = loadTokenConfig();
if (!secret || secret.length < 32) {
  console.error('token: set AUTH_JWT_SECRET (32+ characters), the secret the server verifies with');
  process.exit(2);
}
const token = await new SignJWT({ scope: values.scope })
  .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
  .setSubject(values.sub as string)
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime(`${Number(values.ttl)}s`)
  .sign(new TextEncoder().encode(secret));
console.log(token);
