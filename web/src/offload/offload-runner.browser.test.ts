// The offload runner against headless Chromium's real IndexedDB: a job whose stems were all
// stored before the page went away is finished from its chunks; a scripted server (a stand-in
// WebSocket) sends a stem that fails its checksum, and the store starts again.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeFrame, FrameKind } from '@sfa/shared/offload/frames';
import type { ServerMessage } from '@sfa/shared/offload/protocol';
import { Sha256 } from '@sfa/shared/offload/sha256';
import { computePeaks } from '@sfa/shared/waveform/peaks';
import {
  addTrack,
  closeLibrary,
  openLibrary,
  type LibraryDb,
  type StemChunkRecord,
  type TrackRecord,
} from '../storage/db.ts';
import { addJob, appendChunk, getJob, listStemSets, readStem, updateJob } from '../storage/job-store.ts';
import { runOffloadedJob } from './offload-runner.ts';

const names: string[] = [];
afterEach(async () => {
  for (const name of names.splice(0)) {
    await closeLibrary(name);
    indexedDB.deleteDatabase(name);
  }
});

const SAMPLE_RATE = 8000;

/** A mono 32-bit float WAV header for `frames` frames, as the server writes it. */
function floatWavHeader(frames: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => (header[at + i] = c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + frames * 4, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 3, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, SAMPLE_RATE, true);
  view.setUint32(28, SAMPLE_RATE * 4, true);
  view.setUint16(32, 4, true);
  view.setUint16(34, 32, true);
  text(36, 'data');
  view.setUint32(40, frames * 4, true);
  return header;
}

const ramp = (from: number, frames: number) => Float32Array.from({ length: frames }, (_, i) => (from + i) / 1000);

/** A track and an offloaded job on a server nobody listens on, with `storedFrames` of 300 stored. */
async function storedJob(storedFrames: number): Promise<LibraryDb> {
  const name = `sfa-offload-runner-${Date.now()}-${names.length}`;
  names.push(name);
  const db = await openLibrary(name);
  const track: TrackRecord = {
    id: 'track',
    title: 'Track',
    fileName: 'track.wav',
    mimeType: 'audio/wav',
    byteSize: 4,
    container: 'wav',
    codec: 'PCM 16-bit',
    durationSec: 300 / SAMPLE_RATE,
    sampleRate: SAMPLE_RATE,
    channelCount: 1,
    importedAt: Date.now(),
  };
  await addTrack(db, track, new Blob([new Uint8Array(4)]), computePeaks([new Float32Array(4)], SAMPLE_RATE));
  const now = Date.now();
  await addJob(db, {
    id: 'job',
    trackId: 'track',
    modelId: 'gains',
    stems: ['vocals', 'drums'],
    shifts: 0,
    seed: 0,
    state: 'running',
    createdAt: now,
    updatedAt: now,
    progress: { fraction: 0.9, segment: 0, segments: 0 },
    chunks: 0,
    frames: 0,
    route: 'offload',
    // Port 9 (discard): a connection is refused at once.
    offloadServer: 'http://127.0.0.1:9',
  });
  await updateJob(db, 'job', { offloadHeader: floatWavHeader(300) });
  for (let index = 0, start = 0; start < storedFrames; index++, start += 200) {
    const frames = Math.min(200, storedFrames - start);
    // A job of two stems: its chunks hold those two only.
    const stems = { vocals: [ramp(start, frames)], drums: [ramp(-start, frames)] } as StemChunkRecord['stems'];
    await appendChunk(
      db,
      { jobId: 'job', index, startFrame: start, frames, stems },
      { progress: { fraction: 0.9, segment: 0, segments: 0 } },
    );
  }
  return db;
}

describe('runOffloadedJob', () => {
  it('finishes from the stored chunks when every stem byte was stored before a reload', async () => {
    const db = await storedJob(300);
    const fractions: number[] = [];
    const set = await runOffloadedJob(db, 'job', undefined, {
      token: '',
      signal: new AbortController().signal,
      maxReconnects: 0,
      onProgress: (p) => fractions.push(p.fraction),
    });
    expect(set).toMatchObject({ id: 'job', frames: 300, sampleRate: SAMPLE_RATE, channelCount: 1 });
    expect(Object.keys(set.peaks)).toEqual(['vocals', 'drums']);
    expect((await getJob(db, 'job'))!.state).toBe('done');
    expect(await listStemSets(db, 'track')).toHaveLength(1);
    const [vocals] = await readStem(db, 'job', 'vocals', 300);
    expect([...vocals!]).toEqual([...ramp(0, 300)]);
    expect(fractions.at(-1)).toBe(1);
  });

  it('goes back to the server when some frames are still missing', async () => {
    const db = await storedJob(200);
    await expect(
      runOffloadedJob(db, 'job', undefined, { token: '', signal: new AbortController().signal, maxReconnects: 0 }),
    ).rejects.toThrow(/offload server/);
    expect((await getJob(db, 'job'))!.state).not.toBe('done');
  });
});

/** A browser WebSocket stand-in whose "server" is a script answering each JSON message. */
class ScriptedSocket {
  static script: (socket: ScriptedSocket, message: Record<string, unknown>, connection: number) => void = () => {};
  static sockets: ScriptedSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  binaryType = 'blob';
  onopen: ((event: object) => void) | null = null;
  onmessage: ((event: object) => void) | null = null;
  onclose: ((event: object) => void) | null = null;
  onerror: ((event: object) => void) | null = null;
  readonly sent: Record<string, unknown>[] = [];
  readonly #index: number;

  constructor() {
    this.#index = ScriptedSocket.sockets.push(this) - 1;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: unknown): void {
    if (typeof data !== 'string') return;
    const message = JSON.parse(data) as Record<string, unknown>;
    this.sent.push(message);
    ScriptedSocket.script(this, message, this.#index);
  }

  close(code = 1000): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason: '' }));
  }

  reply(message: ServerMessage | Uint8Array): void {
    const data = message instanceof Uint8Array ? message.slice().buffer : JSON.stringify(message);
    setTimeout(() => this.readyState === 1 && this.onmessage?.({ data }));
  }
}

const REMOTE_JOB = 'job-reset-test';

/** A stem as the server sends it: the float WAV header, then the samples. */
function stemFile(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 4);
  bytes.set(floatWavHeader(samples.length));
  bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), 44);
  return bytes;
}

describe('runOffloadedJob, when a stem fails its checksum', () => {
  it('stores the stems fetched again from byte 0, not the bad bytes it had', async () => {
    vi.stubGlobal('WebSocket', ScriptedSocket);
    const db = await storedJob(0);
    await updateJob(db, 'job', { offloadJobId: REMOTE_JOB, offloadHeader: undefined });
    const good = { vocals: stemFile(ramp(0, 300)), drums: stemFile(ramp(-7, 300)) };
    const bad = stemFile(ramp(1, 300));
    const hex = (bytes: Uint8Array) => new Sha256().update(bytes).hex();
    ScriptedSocket.sockets = [];
    ScriptedSocket.script = (socket, message, connection) => {
      if (message.type !== 'open') return;
      socket.reply({
        type: 'accepted',
        jobId: REMOTE_JOB,
        upload: false,
        phase: 'done',
        stems: ['vocals', 'drums'],
        format: 'f32',
      });
      let seq = 0;
      (['vocals', 'drums'] as const).forEach((stem, index) => {
        const bytes = connection === 0 && stem === 'vocals' ? bad : good[stem];
        for (let at = 0; at < bytes.length; at += 500) {
          socket.reply(
            encodeFrame(
              { kind: FrameKind.stem, jobId: REMOTE_JOB, stem: index, seq: seq++, offset: at },
              bytes.subarray(at, at + 500),
            ),
          );
        }
      });
      socket.reply({
        type: 'done',
        jobId: REMOTE_JOB,
        stems: (['vocals', 'drums'] as const).map((stem) => ({
          stem,
          bytes: good[stem].length,
          sha256: hex(good[stem]),
        })),
      });
    };
    try {
      const set = await runOffloadedJob(db, 'job', undefined, {
        token: '',
        signal: new AbortController().signal,
        maxReconnects: 0,
      });
      expect(set.frames).toBe(300);
      expect(ScriptedSocket.sockets).toHaveLength(2);
      // Every stem again from byte 0: a stored chunk holds them all.
      expect(ScriptedSocket.sockets[1]!.sent[0]).not.toHaveProperty('have');
      const [vocals] = await readStem(db, 'job', 'vocals', 300);
      const [drums] = await readStem(db, 'job', 'drums', 300);
      expect([...vocals!]).toEqual([...ramp(0, 300)]);
      expect([...drums!]).toEqual([...ramp(-7, 300)]);
      expect((await getJob(db, 'job'))!).toMatchObject({ state: 'done', chunks: 1, frames: 300 });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
