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

/** `name` is what error messages call the worker ("import worker"). */
export function createWorkerClient<Api>(name: string, start: () => Worker): WorkerClient<Api> {
  let running: Running<Api> | undefined;
  let kill: ((reason: SfaError) => void) | undefined;
  let calls = 0;

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
      running ??= launch();
      calls++;
      try {
        return await Promise.race([call(running.api), running.died]);
      } finally {
        calls--;
      }
    },
    terminate() {
      kill?.(new SfaError('aborted', `The ${name} was stopped`));
    },
    stopIfIdle() {
      if (calls > 0 || !running) return false;
      kill?.(new SfaError('aborted', `The ${name} was stopped`));
      return true;
    },
  };
}
