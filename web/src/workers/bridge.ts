// The page's handles on its workers: each started on first use, typed through comlink,
// restarted if it dies.
import type { AnalysisWorkerApi } from './analysis.worker.ts';
import type { ImportWorkerApi } from './import.worker.ts';
import type { SeparationWorkerApi } from './separation.worker.ts';
import { createWorkerClient } from './worker-client.ts';

export const importWorker = createWorkerClient<ImportWorkerApi>(
  'import worker',
  () => new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' }),
);

export const analysisWorker = createWorkerClient<AnalysisWorkerApi>(
  'analysis worker',
  () => new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' }),
);

export const separationWorker = createWorkerClient<SeparationWorkerApi>(
  'separation worker',
  () => new Worker(new URL('./separation.worker.ts', import.meta.url), { type: 'module', name: 'separation' }),
);
