// Where the offload server's resources are, from its base URL: the job WebSocket, and the
// capabilities document (fetched and validated).

import { SfaError } from '../protocol/errors.ts';
import { CAPABILITIES_PATH, capabilitiesSchema, JOBS_PATH, type Capabilities } from './protocol.ts';

/**
 * ws(s)://host/.../v1/jobs from the server's base URL. With `jobId`, the URL names the job
 * (`?job=<id>`): a load balancer hashing on it sends every connection of a job to one server,
 * so a resumed job finds its results there (docker/lb-nginx.conf does).
 */
export function jobsUrl(serverUrl: string, jobId?: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SfaError('bad-request', `the offload server's URL must be http(s) or ws(s), not ${url.protocol}`);
  }
  url.pathname = url.pathname.replace(/\/$/, '') + JOBS_PATH;
  if (jobId) url.searchParams.set('job', jobId);
  return url.toString();
}

/** GET /v1/capabilities, validated. Throws SfaError 'unauthorized' for a refused token. */
export async function fetchCapabilities(
  serverUrl: string,
  { token, fetch: fetchFn = fetch, signal }: { token?: string; fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<Capabilities> {
  const url = new URL(serverUrl);
  url.protocol = url.protocol.replace(/^ws/, 'http');
  url.pathname = url.pathname.replace(/\/$/, '') + CAPABILITIES_PATH;
  const response = await fetchFn(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal });
  if (response.status === 401) throw new SfaError('unauthorized', 'the offload server refused the token');
  if (!response.ok) throw new SfaError('internal', `the offload server answered ${response.status}`);
  const parsed = capabilitiesSchema.safeParse(await response.json());
  if (!parsed.success) throw new SfaError('bad-request', 'the offload server sent malformed capabilities');
  return parsed.data;
}
