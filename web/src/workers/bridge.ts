// The page's handles on its workers: each started on first use, typed through comlink,
// restarted if it dies.
import type { AnalysisWorkerApi } from './analysis.worker.ts';
import type { ExportWorkerApi } from './export.worker.ts';
import type { ImportWorkerApi } from './import.worker.ts';
import type { SeparationWorkerApi } from './separation.worker.ts';
import { createWorkerClient } from './worker-client.ts';

/**
 * A worker with nothing to do for this long is stopped (and started again by the next call), so
 * the memory a big decode or a model's runtime took goes back to the system.
 */
const IDLE_MS = 20_000;

export const importWorker = createWorkerClient<ImportWorkerApi>(
  'import worker',
  () => new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' }),
  { idleMs: IDLE_MS },
);

export const analysisWorker = createWorkerClient<AnalysisWorkerApi>(
  'analysis worker',
  () => new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' }),
  { idleMs: IDLE_MS },
);

export const separationWorker = createWorkerClient<SeparationWorkerApi>(
  'separation worker',
  () => new Worker(new URL('./separation.worker.ts', import.meta.url), { type: 'module', name: 'separation' }),
  { idleMs: IDLE_MS },
);

export const exportWorker = createWorkerClient<ExportWorkerApi>(
  'export worker',
  () => new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module', name: 'export' }),
  { idleMs: IDLE_MS },
);
