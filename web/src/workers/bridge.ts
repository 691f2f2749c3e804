// The page's handle on the import worker: started on first use, typed through comlink,
// restarted if it dies.
import type { ImportWorkerApi } from './import.worker.ts';
import { createWorkerClient } from './worker-client.ts';

export const importWorker = createWorkerClient<ImportWorkerApi>(
  'import worker',
  () => new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' }),
);
