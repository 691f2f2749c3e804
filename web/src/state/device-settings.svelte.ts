// The user's choices about this device, kept in localStorage: how many threads WebAssembly
// separation may use (automatic = every core). The separation worker is told before each call;
// a runtime keeps the thread count it started with, so a change restarts an idle worker.
import { separationWorker } from '../workers/bridge.ts';

const THREADS_KEY = 'sfa.wasmThreads';

function storedThreads(): number | undefined {
  const value = Number(localStorage.getItem(THREADS_KEY));
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export class DeviceSettings {
  /** undefined: automatic. */
  wasmThreads = $state<number | undefined>(storedThreads());

  setWasmThreads(threads: number | undefined): void {
    this.wasmThreads = threads;
    if (threads) localStorage.setItem(THREADS_KEY, String(threads));
    else localStorage.removeItem(THREADS_KEY);
    // A runtime keeps its threads: an idle worker is restarted now, a busy one when it idles.
    separationWorker.stopIfIdle();
  }

  /** Tells the worker (call before anything that may start a runtime). */
  apply(): Promise<void> {
    const wasmThreads = this.wasmThreads;
    return separationWorker.call((api) => api.configure({ wasmThreads }));
  }
}

export const deviceSettings = new DeviceSettings();
