// Tokens: every configured token is recognised (from the header or the subprotocol), anything
// else is not, and what identifies a token in logs and on disk is not the token.

import { describe, expect, it } from 'vitest';
import { offeredSubprotocols } from '@sfa/shared/offload/protocol';
import { requestToken, TokenChecker } from './auth.ts';

describe('TokenChecker', () => {
  it('knows each token by an id that does not reveal it', () => {
    const checker = new TokenChecker(['alpha-token', 'beta-token']);
    const alpha = checker.check('alpha-token');
    const beta = checker.check('beta-token');
    expect(alpha).toMatch(/^t-[0-9a-f]{12}$/);
    expect(beta).toMatch(/^t-[0-9a-f]{12}$/);
    expect(alpha).not.toBe(beta);
    expect(alpha).not.toContain('alpha');
    for (const wrong of [undefined, '', 'alpha', 'alpha-token ', 'ALPHA-TOKEN', 'beta-token-2']) {
      expect(checker.check(wrong), String(wrong)).toBeUndefined();
    }
  });
});

describe('requestToken', () => {
  it('reads the bearer header, else the subprotocol', () => {
    expect(requestToken(new Headers({ Authorization: 'Bearer abc' }))).toBe('abc');
    expect(requestToken(new Headers({ Authorization: 'Basic abc' }))).toBeUndefined();
    const protocols = offeredSubprotocols('from-protocol').join(', ');
    expect(requestToken(new Headers({ 'Sec-WebSocket-Protocol': protocols }))).toBe('from-protocol');
    expect(requestToken(new Headers({ 'Sec-WebSocket-Protocol': 'sfa.v1' }))).toBeUndefined();
  });
});
