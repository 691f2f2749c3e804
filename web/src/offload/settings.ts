// Where the offload server is and when to use it, kept in this browser's localStorage (the token
// included: it never leaves the device except to that server).

export const ROUTING_POLICIES = ['automatic', 'local', 'offload'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];

export interface OffloadSettings {
  /** The server's base URL (http(s)://host:port), or '' when none is set. */
  url: string;
  token: string;
  policy: RoutingPolicy;
}

const KEY = 'sfa.offload';

export const DEFAULT_OFFLOAD_SETTINGS: OffloadSettings = { url: '', token: '', policy: 'automatic' };

/** The stored settings; anything missing or malformed reads as the default. */
export function loadOffloadSettings(storage: Pick<Storage, 'getItem'> = localStorage): OffloadSettings {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? '{}') as Partial<OffloadSettings>;
    return {
      url: typeof value.url === 'string' ? value.url : '',
      token: typeof value.token === 'string' ? value.token : '',
      policy: ROUTING_POLICIES.includes(value.policy as RoutingPolicy) ? value.policy! : 'automatic',
    };
  } catch {
    return { ...DEFAULT_OFFLOAD_SETTINGS };
  }
}

export function saveOffloadSettings(settings: OffloadSettings, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(KEY, JSON.stringify({ url: settings.url.trim(), token: settings.token, policy: settings.policy }));
}

/** The URL's host:port, for saying where a job runs; the URL itself when it does not parse. */
export function serverHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
