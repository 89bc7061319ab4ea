/** Bearer tokens for the client suites: HS256, as the server is configured in them. */
import { SignJWT } from 'jose';

export const CLIENT_SECRET = 'client-suites-hs256-secret-7f3a9c1e5b2d8046';

export async function mintToken(sub: string, scope = 'data:read data:write'): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setSubject(sub)
    .setIssuer('data-api')
    .setAudience('data-api')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(CLIENT_SECRET));
}

export const AUTH_ENV = { AUTH_MODE: 'required', AUTH_JWT_SECRET: CLIENT_SECRET };
