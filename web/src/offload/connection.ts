// "Test connection": the server's capabilities, or why they cannot be had, told apart as well as
// a browser allows (a refused CORS request and a dead host both read as a bare TypeError, so a
// no-cors probe says which one it was).
import { fetchCapabilities } from '@sfa/shared/offload/client';
import type { Capabilities } from '@sfa/shared/offload/protocol';
import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';

export type ConnectionFailure = 'invalid-url' | 'unreachable' | 'unauthorized' | 'origin' | 'bad-answer' | 'timeout';

export type ConnectionResult =
  { ok: true; capabilities: Capabilities } | { ok: false; failure: ConnectionFailure; message: string };

function checkedUrl(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Whether anything answers at `url` at all, CORS aside. */
async function answersAtAll(url: URL, signal: AbortSignal): Promise<boolean> {
  const probe = new URL(url);
  probe.protocol = probe.protocol.replace(/^ws/, 'http');
  probe.pathname = probe.pathname.replace(/\/$/, '') + '/readyz';
  try {
    await fetch(probe, { mode: 'no-cors', signal });
    return true;
  } catch {
    return false;
  }
}

/** Asks the server for its capabilities within `timeoutMs`; never throws. */
export async function testConnection(url: string, token: string, timeoutMs = 5_000): Promise<ConnectionResult> {
  const parsed = checkedUrl(url.trim());
  if (!parsed) {
    return { ok: false, failure: 'invalid-url', message: 'The URL must look like https://host:port' };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return {
      ok: true,
      capabilities: await fetchCapabilities(parsed.toString(), { token: token || undefined, signal }),
    };
  } catch (error) {
    if (error instanceof SfaError && error.code === 'unauthorized') {
      return { ok: false, failure: 'unauthorized', message: 'The server refused the token (wrong or missing token)' };
    }
    if (error instanceof SfaError) return { ok: false, failure: 'bad-answer', message: errorMessage(error) };
    if (signal.aborted) {
      return { ok: false, failure: 'timeout', message: `The server did not answer within ${timeoutMs / 1000} s` };
    }
    if (await answersAtAll(parsed, AbortSignal.timeout(timeoutMs))) {
      return {
        ok: false,
        failure: 'origin',
        message: `The server answers but does not allow this app's origin (${location.origin}): add it to SFA_ALLOWED_ORIGINS`,
      };
    }
    return { ok: false, failure: 'unreachable', message: `The server is unreachable at ${parsed.host}` };
  }
}
