/**
 * The Node HTTP server around the Koa app: timeouts, and problem+json even for requests that
 * never reach Koa (malformed HTTP, a body that does not arrive within REQUEST_TIMEOUT_MS).
 */
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Config } from './config/config.js';
import { AppError, problemBody } from './domain/errors.js';

function writeProblem(socket: Duplex, err: AppError): void {
  const body = JSON.stringify(problemBody(err));
  socket.end(
    `HTTP/1.1 ${err.status} ${err.spec.title}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

export function createHttpServer(
  koa: Koa,
  config: Pick<Config, 'requestTimeoutMs' | 'keepAliveTimeoutMs'>,
): Server {
  const handler = koa.callback();
  // Node checks request timeouts on this interval (30 s by default); a quarter of the timeout
  // keeps the answer close to REQUEST_TIMEOUT_MS.
  const server = createServer(
    {
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, config.requestTimeoutMs / 4)),
      // Node's own answer to a missing Host is an empty 400; the app answers it as problem+json.
      requireHostHeader: false,
    },
    handler,
  );
  // Expect: without these, Node answers 100 Continue to every 100-continue at once (so a client
  // sends a body that a 401 or 413 then leaves unread) and a bare 417 to anything else (no
  // problem+json, no security headers, no log line). With them the app answers: the body reader
  // sends 100 Continue when it starts reading (router/body-validation.ts), and an unknown
  // expectation is a 417 problem (middleware/require-host.ts).
  server.on('checkContinue', handler);
  server.on('checkExpectation', handler);
  server.requestTimeout = config.requestTimeoutMs;
  // KEEP_ALIVE_TIMEOUT_MS: above the idle timeout of the load balancer in front, so the balancer
  // closes an idle connection first and never sends a request on one the server is closing.
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = Math.min(config.keepAliveTimeoutMs + 1000, config.requestTimeoutMs);
  // CONNECT (a proxy tunnel) is never served here.
  server.on('connect', (_req, socket: Duplex) => {
    writeProblem(socket, new AppError('malformedRequest', { detail: 'CONNECT is not served here.' }));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      writeProblem(
        socket,
        new AppError('requestTimeout', {
          detail: `The request did not arrive within ${config.requestTimeoutMs} ms.`,
        }),
      );
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      writeProblem(socket, new AppError('headersTooLarge', { detail: 'The request headers are too large.' }));
    } else {
      writeProblem(
        socket,
        new AppError('malformedRequest', { detail: 'The request is not valid HTTP/1.1.' }),
      );
    }
  });
  return server;
}
