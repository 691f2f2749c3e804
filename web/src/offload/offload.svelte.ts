// The offload server as the page knows it: the stored settings, the capabilities it last
// answered, and the route a new job takes (decided once, when it starts).
import type { Capabilities } from '@sfa/shared/offload/protocol';
import { QUICK_MODEL_ID } from '../separation/separators.ts';
import type { LibraryDb } from '../storage/db.ts';
import { testConnection, type ConnectionResult } from './connection.ts';
import { chooseRoute, type JobRoute } from './routing.ts';
import { loadOffloadSettings, saveOffloadSettings, type OffloadSettings } from './settings.ts';

/** How long automatic routing waits for the server before keeping a job here. */
const PROBE_TIMEOUT_MS = 2_000;
/** Capabilities younger than this are used as they are. */
const FRESH_MS = 30_000;

async function hasWebGpu(): Promise<boolean> {
  try {
    return Boolean('gpu' in navigator && (await navigator.gpu.requestAdapter()));
  } catch {
    return false;
  }
}

export class Offload {
  settings = $state<OffloadSettings>(loadOffloadSettings());
  /** What the server answered last, for the URL in `settings`. */
  capabilities = $state.raw<Capabilities>();
  #checkedAt = 0;
  #checkedUrl = '';

  get configured(): boolean {
    return this.settings.url.trim() !== '';
  }

  /** Jobs may go to the server (a URL is set and the policy is not "always local"). */
  get allowed(): boolean {
    return this.configured && this.settings.policy !== 'local';
  }

  save(settings: OffloadSettings): void {
    if (settings.url.trim() !== this.settings.url || settings.token !== this.settings.token) {
      this.capabilities = undefined;
      this.#checkedAt = 0;
    }
    saveOffloadSettings(settings);
    this.settings = loadOffloadSettings();
  }

  /** Asks the server now (the settings' "Test connection"), keeping its capabilities on success. */
  async check(timeoutMs?: number): Promise<ConnectionResult> {
    const { url, token } = this.settings;
    const result = await testConnection(url, token, timeoutMs);
    if (url !== this.settings.url) return result; // changed meanwhile
    this.capabilities = result.ok ? result.capabilities : undefined;
    this.#checkedAt = Date.now();
    this.#checkedUrl = url;
    return result;
  }

  /** Recent capabilities, or a quick new check; undefined when the server does not answer. */
  async probe(): Promise<Capabilities | undefined> {
    if (!this.configured) return undefined;
    const fresh = this.#checkedUrl === this.settings.url && Date.now() - this.#checkedAt < FRESH_MS;
    if (fresh && this.capabilities) return this.capabilities;
    const result = await this.check(PROBE_TIMEOUT_MS);
    return result.ok ? result.capabilities : undefined;
  }

  /** Models the server has ready. */
  get serverModels(): Capabilities['models'] {
    return (this.capabilities?.models ?? []).filter((model) => model.status === 'ready');
  }

  /** Where a new job with `modelId` runs, by the policy, the server's answer and this device. */
  async route(db: LibraryDb, modelId: string): Promise<JobRoute> {
    const { policy } = this.settings;
    if (!this.allowed) return 'local';
    if (policy === 'offload') {
      void this.probe(); // for the job's label; the job itself reports a server that is gone
      return 'offload';
    }
    const quick = modelId === QUICK_MODEL_ID;
    const [capabilities, stored, webGpu] = await Promise.all([
      this.probe(),
      quick ? undefined : db.get('models', modelId),
      quick ? false : hasWebGpu(),
    ]);
    const calibration = stored?.calibration?.[webGpu ? 'webgpu' : 'wasm'];
    return chooseRoute({
      policy,
      configured: true,
      serverHasModel: Boolean(capabilities?.models.some((m) => m.id === modelId && m.status === 'ready')),
      localHasModel: quick || Boolean(stored),
      quick,
      webGpu,
      ...(calibration === undefined ? {} : { secPerMinHere: calibration }),
    });
  }
}

export const offload = new Offload();
