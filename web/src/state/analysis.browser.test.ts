// The analysis queue's rules, against a scripted stand-in for the analysis worker: one job at
// a time, the opened track first, at most one decoded track held, cancel (queued, running, and
// a worker deaf to it), re-run, failures, and a track deleted mid-analysis. Runs in Chromium
// (runes need the Svelte compiler).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ANALYSIS_ENGINE_VERSION } from '@sfa/shared/analysis/types';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { AnalysisRecord } from '../storage/db.ts';
import type { DecodedPcm } from '../workers/pcm.ts';

interface Call {
  jobId: string;
  trackId: string;
  decoded: boolean;
  onProgress: (progress: { stage: string; fraction: number }) => void;
  resolve: (record: AnalysisRecord) => void;
  reject: (error: unknown) => void;
}

const worker = vi.hoisted(() => ({
  calls: [] as Call[],
  cancelled: [] as string[],
  /** Whether `cancel` makes the running job reject (a worker whose engine is mid-step does not). */
  honoursCancel: true,
  terminated: 0,
}));

vi.mock('../workers/bridge.ts', () => {
  const api = {
    analyze: (jobId: string, trackId: string, onProgress: Call['onProgress'], decoded?: DecodedPcm) =>
      new Promise<AnalysisRecord>((resolve, reject) => {
        worker.calls.push({ jobId, trackId, decoded: Boolean(decoded), onProgress, resolve, reject });
      }),
    cancel: async (jobId: string) => {
      worker.cancelled.push(jobId);
      if (worker.honoursCancel) {
        worker.calls.find((call) => call.jobId === jobId)?.reject(new SfaError('aborted', 'Cancelled'));
      }
    },
  };
  return {
    analysisWorker: {
      call: <T>(call: (remote: typeof api) => Promise<T>) => call(api),
      terminate: () => {
        worker.terminated++;
        for (const call of worker.calls) call.reject(new SfaError('aborted', 'The analysis worker was stopped'));
      },
    },
  };
});

const { Analyses } = await import('./analysis.svelte.ts');

function record(trackId: string, bpm: number): AnalysisRecord {
  return {
    id: trackId,
    engineVersion: ANALYSIS_ENGINE_VERSION,
    analysedAt: Date.now(),
    summary: { bpm, bpmMin: bpm, bpmMax: bpm, camelot: '8A', keyName: 'A minor', integratedLufs: -10 },
  } as AnalysisRecord;
}

function pcm(): DecodedPcm {
  return { sampleRate: 8000, channels: [new Float32Array(16)] };
}

/** Lets the queue's promise chain move on. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function lastCall(): Call {
  return worker.calls.at(-1)!;
}

beforeEach(() => {
  worker.calls = [];
  worker.cancelled = [];
  worker.honoursCancel = true;
  worker.terminated = 0;
});

describe('the analysis queue', () => {
  it('runs one analysis at a time, and an opened track goes before the others waiting', async () => {
    const analyses = new Analyses();
    for (const id of ['a', 'b', 'c']) analyses.enqueue(id);
    await settle();
    expect(worker.calls.map((call) => call.trackId)).toEqual(['a']);
    expect(analyses.jobs.b?.status).toBe('queued');
    analyses.prioritise('c');

    lastCall().onProgress({ stage: 'rhythm', fraction: 0.4 });
    expect(analyses.jobs.a).toMatchObject({ status: 'running', stage: 'rhythm', fraction: 0.4 });
    lastCall().onProgress({ stage: 'decimate', fraction: 0.2 }); // late message: the bar never goes back
    expect(analyses.jobs.a?.fraction).toBe(0.4);

    lastCall().resolve(record('a', 120));
    await settle();
    expect(analyses.jobs.a).toBeUndefined();
    expect(analyses.summaries.get('a')?.bpm).toBe(120);
    expect(analyses.revisions.get('a')).toBe(1);
    expect(worker.calls.map((call) => call.trackId)).toEqual(['a', 'c']);
    lastCall().resolve(record('c', 90));
    await settle();
    expect(lastCall().trackId).toBe('b');
    expect(analyses.pending).toBe(1);
  });

  it('queues the opened track first when it was opened before the stored analyses were read', async () => {
    const analyses = new Analyses();
    analyses.prioritise('opened');
    await analyses.load(['first', 'opened', 'last']);
    await settle();
    expect(worker.calls.map((call) => call.trackId)).toEqual(['opened']);
    lastCall().resolve(record('opened', 120));
    await settle();
    expect(lastCall().trackId).toBe('first');
  });

  it('holds at most one decoded track for the worker; the others are decoded there again', async () => {
    const analyses = new Analyses();
    analyses.enqueue('first', pcm());
    analyses.enqueue('second', pcm());
    analyses.enqueue('third', pcm());
    await settle();
    lastCall().resolve(record('first', 120));
    await settle();
    lastCall().resolve(record('second', 120));
    await settle();
    expect(worker.calls.map((call) => [call.trackId, call.decoded])).toEqual([
      ['first', true],
      ['second', true],
      ['third', false],
    ]);
  });

  it('cancels a waiting analysis without running it, and a running one in the worker; both can run again', async () => {
    const analyses = new Analyses();
    analyses.enqueue('running');
    analyses.enqueue('waiting');
    await settle();
    analyses.cancel('waiting');
    expect(analyses.jobs.waiting?.status).toBe('cancelled');
    analyses.cancel('running');
    await settle();
    expect(worker.cancelled).toEqual([worker.calls[0]!.jobId]);
    expect(analyses.jobs.running?.status).toBe('cancelled');
    expect(worker.calls.map((call) => call.trackId)).toEqual(['running']);

    analyses.retry('waiting');
    await settle();
    expect(lastCall().trackId).toBe('waiting');
    lastCall().resolve(record('waiting', 100));
    await settle();
    expect(analyses.summaries.get('waiting')?.bpm).toBe(100);
    expect(analyses.jobs.running?.status).toBe('cancelled');
  });

  it('stops the worker when a running analysis does not notice the cancel in time', async () => {
    worker.honoursCancel = false;
    const analyses = new Analyses();
    analyses.enqueue('stubborn');
    await settle();
    analyses.cancel('stubborn');
    expect(analyses.jobs.stubborn).toMatchObject({ status: 'running', cancelling: true });
    await vi.waitFor(() => expect(analyses.jobs.stubborn?.status).toBe('cancelled'), { timeout: 2000 });
    expect(worker.terminated).toBe(1);
  });

  it('keeps what went wrong for the track; a cancellation is not a failure', async () => {
    const analyses = new Analyses();
    analyses.enqueue('broken');
    analyses.enqueue('aborted');
    await settle();
    worker.calls[0]!.reject(new SfaError('no-audio', 'There is no audio to analyse'));
    await settle();
    expect(analyses.jobs.broken).toMatchObject({ status: 'failed', message: 'There is no audio to analyse' });
    lastCall().reject(new DOMException('The operation was aborted', 'AbortError'));
    await settle();
    expect(analyses.jobs.aborted).toMatchObject({ status: 'cancelled' });
    expect(analyses.jobs.aborted?.message).toBeUndefined();
  });

  it('forgets a track deleted while it is analysed, whatever the worker answers then', async () => {
    const analyses = new Analyses();
    analyses.enqueue('deleted');
    await settle();
    analyses.forget('deleted');
    await settle();
    expect(analyses.jobs.deleted).toBeUndefined();
    expect(analyses.summaries.has('deleted')).toBe(false);
    analyses.enqueue('next');
    await settle();
    expect(lastCall().trackId).toBe('next');
  });

  it('stops the worker for a track deleted mid-analysis that does not notice, so the queue moves on', async () => {
    worker.honoursCancel = false;
    const analyses = new Analyses();
    analyses.enqueue('deleted');
    analyses.enqueue('next');
    await settle();
    analyses.forget('deleted');
    await vi.waitFor(() => expect(lastCall().trackId).toBe('next'), { timeout: 2000 });
    expect(worker.terminated).toBe(1);
    expect(analyses.jobs.deleted).toBeUndefined();
    expect(analyses.jobs.next?.status).toBe('running');
  });
});
