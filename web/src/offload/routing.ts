// Where a separation runs: on this device (the separation worker) or on the offload server.
// Decided once when a job starts and stored with it.
import type { RoutingPolicy } from './settings.ts';

export type JobRoute = 'local' | 'offload';

/** Seconds of processing per minute of audio above which a job counts as heavy here. */
export const HEAVY_SEC_PER_MIN = 60;

export interface RouteFacts {
  policy: RoutingPolicy;
  /** A server URL is set. */
  configured: boolean;
  /** The server answered its capabilities in time, and has this model ready. */
  serverHasModel: boolean;
  /** The model is on this device (Quick always is). */
  localHasModel: boolean;
  /** The model is Quick (seconds anywhere). */
  quick: boolean;
  /** This device has a WebGPU adapter. */
  webGpu: boolean;
  /** The model's calibration here, seconds per minute of audio, when measured. */
  secPerMinHere?: number;
}

/** True when the job would be slow on this device: a model without WebGPU, or calibrated slow. */
export function heavyHere({ quick, webGpu, secPerMinHere }: RouteFacts): boolean {
  if (quick) return false;
  if (secPerMinHere !== undefined) return secPerMinHere > HEAVY_SEC_PER_MIN;
  return !webGpu;
}

/**
 * The route for a job. `offload` always offloads (the server's errors then show on the job);
 * `local` never does; `automatic` offloads when the server has the model and the job is heavy
 * here, or when the model is only on the server.
 */
export function chooseRoute(facts: RouteFacts): JobRoute {
  if (facts.policy === 'local' || !facts.configured) return 'local';
  if (facts.policy === 'offload') return 'offload';
  if (!facts.serverHasModel) return 'local';
  return !facts.localHasModel || heavyHere(facts) ? 'offload' : 'local';
}
