// How long jobs stay on disk: what a restart finds (unfinished uploads dropped, cut-off runs
// marked 'interrupted', expired results deleted) and when results expire (SFA_RESULT_TTL_SEC
// after the job ended).

import type { JobRecord, JobState, JobStore } from './job-store.ts';

/** States whose records only wait for a client to come back (or for their time to run out). */
const RESTING: readonly JobState[] = ['done', 'failed', 'cancelled', 'interrupted'];

export function isExpired(record: JobRecord, resultTtlSec: number, now = Date.now()): boolean {
  return RESTING.includes(record.state) && record.updatedAt + resultTtlSec * 1000 < now;
}

/**
 * Tidies what a previous process left in `store`; returns how many runs it had cut off (now
 * 'interrupted', redone if their client returns).
 */
export async function recoverJobs(store: JobStore, resultTtlSec: number): Promise<number> {
  let interrupted = 0;
  for (const key of await store.keys()) {
    const record = await store.load(key);
    if (!record) continue;
    if (record.state === 'upload' || isExpired(record, resultTtlSec)) {
      await store.remove(key);
    } else if (record.state === 'queued' || record.state === 'running') {
      await store.save({ ...record, state: 'interrupted', updatedAt: Date.now() });
      interrupted++;
    }
  }
  return interrupted;
}

/** Deletes expired jobs on disk, except those `keep` names (the ones held in memory). */
export async function removeExpired(store: JobStore, resultTtlSec: number, keep: (key: string) => boolean) {
  for (const key of await store.keys()) {
    if (keep(key)) continue;
    const record = await store.load(key);
    if (record && isExpired(record, resultTtlSec)) await store.remove(key);
  }
}
