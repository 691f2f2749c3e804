// A comlink handle on a dedicated worker that survives the worker dying: if the worker fails
// to load or crashes, every call in flight rejects (instead of waiting forever) and the next
// call starts a fresh worker.
import * as Comlink from 'comlink';
import { SfaError } from '@sfa/shared/protocol/errors';
import './comlink-errors.ts';

interface Running<Api> {
  worker: Worker;
  api: Comlink.Remote<Api>;
  died: Promise<never>;
}

export interface WorkerClient<Api> {
  /** Runs `call` against the worker; rejects with code `internal` if the worker dies meanwhile. */
  call<T>(call: (api: Comlink.Remote<Api>) => Promise<T>): Promise<T>;
  /** Stops the worker now; calls in flight reject. */
  terminate(): void;
  /** Stops the worker if no call is in flight (to give its memory back); says whether it did. */
  stopIfIdle(): boolean;
}

/**
 * `name` is what error messages call the worker ("import worker"). With `idleMs`, a worker that
 * has had no call in flight for that long is stopped: a worker's heaps (a WebAssembly memory
 * above all, which cannot shrink) go back to the system only when it ends.
 */
export function createWorkerClient<Api>(
  name: string,
  start: () => Worker,
  { idleMs }: { idleMs?: number } = {},
): WorkerClient<Api> {
  let running: Running<Api> | undefined;
  let kill: ((reason: SfaError) => void) | undefined;
  let calls = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const stopIfIdle = (): boolean => {
    if (calls > 0 || !running) return false;
    kill?.(new SfaError('aborted', `The ${name} was stopped`));
    return true;
  };

  function launch(): Running<Api> {
    const worker = start();
    const died = new Promise<never>((_, reject) => {
      kill = (reason) => {
        worker.terminate();
        if (running?.worker === worker) running = undefined;
        reject(reason);
      };
      const onFailure = (event: Event) => {
        event.preventDefault(); // handled here: the page reports it where the user acted
        const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : '';
        kill?.(new SfaError('internal', `The ${name} stopped unexpectedly${detail}. Try again.`));
      };
      worker.addEventListener('error', onFailure);
      worker.addEventListener('messageerror', onFailure);
    });
    died.catch(() => undefined); // observed by each call's race; no unhandled rejection
    return { worker, api: Comlink.wrap<Api>(worker), died };
  }

  return {
    async call(call) {
      clearTimeout(idleTimer);
      running ??= launch();
      calls++;
      try {
        return await Promise.race([call(running.api), running.died]);
      } finally {
        calls--;
        if (calls === 0 && idleMs !== undefined) idleTimer = setTimeout(stopIfIdle, idleMs);
      }
    },
    terminate() {
      kill?.(new SfaError('aborted', `The ${name} was stopped`));
    },
    stopIfIdle,
  };
}
