// The page's handle on the import worker: started on first use, typed through comlink.
import * as Comlink from 'comlink';
import './comlink-errors.ts';
import type { ImportWorkerApi } from './import.worker.ts';

let importWorker: Comlink.Remote<ImportWorkerApi> | undefined;

export function importWorkerApi(): Comlink.Remote<ImportWorkerApi> {
  importWorker ??= Comlink.wrap<ImportWorkerApi>(
    new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' }),
  );
  return importWorker;
}
