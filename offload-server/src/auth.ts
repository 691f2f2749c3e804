// Who may use the server: bearer tokens compared in constant time (from the Authorization
// header, or from the WebSocket subprotocol browsers must use), and the Origin allowlist that a
// browser's WebSocket handshake is checked against (browsers apply no CORS to WebSockets).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { tokenFromSubprotocols } from '@sfa/shared/offload/protocol';

/** The identity jobs are filed under when the server runs open (no tokens, loopback only). */
export const OPEN_TOKEN_ID = 'open';

export type AuthVariables = { tokenId: string };

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class TokenChecker {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  /**
   * The token's id (a hash prefix, safe to log and to file jobs under) when `candidate` is one
   * of the tokens, else undefined. Digests of equal length are compared, every token every
   * time, so neither the length nor the position of a match shows in the timing.
   */
  check(candidate: string | undefined): string | undefined {
    if (!candidate) return undefined;
    const given = digest(candidate);
    let match: Buffer | undefined;
    for (const known of this.#digests) if (timingSafeEqual(known, given)) match = known;
    return match ? `t-${match.toString('hex').slice(0, 12)}` : undefined;
  }
}

/** The bearer token of a request: the Authorization header, else the WebSocket subprotocol. */
export function requestToken(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) return bearer;
  const protocols = headers.get('sec-websocket-protocol');
  return protocols ? tokenFromSubprotocols(protocols.split(',').map((p) => p.trim())) : undefined;
}

/** Refuses requests without a valid token (401), or lets all through as `open`. */
export function requireToken(checker: TokenChecker | undefined): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    if (!checker) {
      c.set('tokenId', OPEN_TOKEN_ID);
      return next();
    }
    const tokenId = checker.check(requestToken(c.req.raw.headers));
    if (!tokenId) {
      throw new HTTPException(401, {
        message: 'a valid token is required',
        res: new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="sfa"' } }),
      });
    }
    c.set('tokenId', tokenId);
    return next();
  };
}

/**
 * Refuses (403) a request whose Origin header is present and not allowed. Clients that are not
 * browsers send no Origin and are judged by their token alone.
 */
export function requireAllowedOrigin(allowedOrigins: readonly string[]): MiddlewareHandler {
  const any = allowedOrigins.includes('*');
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !any && !allowedOrigins.includes(origin)) {
      throw new HTTPException(403, { message: `origin ${origin} is not allowed` });
    }
    return next();
  };
}
