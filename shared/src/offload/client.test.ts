// The client against a scripted in-process server (a fake WebSocket), for what a real server
// never does on purpose: frames out of place, stems whose checksum is wrong, busy answers, and
// a socket that will not take more bytes. Real servers drive it in offload-server's tests.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jobsUrl, OffloadBusyError, runOffloadJob, type OffloadJobOptions, type WebSocketLike } from './client.ts';
import { decodeFrame, encodeFrame, FrameKind } from './frames.ts';
import type { ServerMessage } from './protocol.ts';
import { Sha256 } from './sha256.ts';

const JOB = 'job-client-test';
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytes = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => (from + i) % 256);

type Script = (socket: FakeSocket, message: Record<string, unknown>, connection: number) => void;

/** A WebSocket whose "server" is a script answering each JSON message the client sends. */
class FakeSocket implements WebSocketLike {
  static script: Script = () => {};
  static sockets: FakeSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  binaryType = 'blob';
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: never) => void) | null = null;
  onclose: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;
  readonly sent: (string | Uint8Array)[] = [];
  readonly protocols: string[];
  readonly url: string;
  closeCode: number | undefined;
  readonly #index: number;

  constructor(url: string, protocols?: string | string[]) {
    this.url = url;
    this.protocols = [protocols ?? []].flat();
    this.#index = FakeSocket.sockets.push(this) - 1;
    setTimeout(() => {
      this.readyState = 1;
      (this.onopen as ((e: object) => void) | null)?.({});
    });
  }

  send(data: string | Uint8Array): void {
    this.sent.push(data);
    if (typeof data === 'string') FakeSocket.script(this, JSON.parse(data) as Record<string, unknown>, this.#index);
  }

  close(code = 1000): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.closeCode = code;
    setTimeout(() => (this.onclose as ((e: object) => void) | null)?.({ code, reason: '' }));
  }

  /** The server's side: a message or a stem frame to the client. */
  reply(message: ServerMessage | Uint8Array): void {
    const data = message instanceof Uint8Array ? message.slice().buffer : JSON.stringify(message);
    setTimeout(() => this.readyState === 1 && (this.onmessage as ((e: object) => void) | null)?.({ data }));
  }

  opens(): Record<string, unknown>[] {
    return this.sent.flatMap((d) => (typeof d === 'string' ? [JSON.parse(d) as Record<string, unknown>] : []));
  }
}

function stemFrame(seq: number, offset: number, payload: Uint8Array, stem = 0): Uint8Array {
  return encodeFrame({ kind: FrameKind.stem, jobId: JOB, stem, seq, offset }, payload);
}

const accepted = (upload = false): ServerMessage => ({
  type: 'accepted',
  jobId: JOB,
  upload,
  phase: upload ? 'upload' : 'done',
  stems: ['vocals'],
  format: 'f32',
});

function run(script: Script, options: Partial<OffloadJobOptions> = {}) {
  FakeSocket.script = script;
  FakeSocket.sockets = [];
  return runOffloadJob({
    serverUrl: 'https://sfa.example:8787/base/',
    token: 'tok',
    WebSocket: FakeSocket,
    jobId: JOB,
    model: 'quick',
    format: 'f32',
    file: bytes(0, 100),
    reconnectDelayMs: 1,
    fetch: (() => Promise.reject(new Error('offline'))) as unknown as typeof fetch,
    ...options,
  });
}

describe('the offload client', () => {
  it('connects to /v1/jobs with the protocol and its token, and opens the job', async () => {
    const whole = bytes(0, 30);
    const result = await run((socket, message) => {
      if (message.type !== 'open') return;
      socket.reply(accepted());
      socket.reply(stemFrame(0, 0, whole));
      socket.reply({ type: 'done', jobId: JOB, stems: [{ stem: 'vocals', bytes: 30, sha256: sha(whole) }] });
    });
    expect([...result.stems.vocals!]).toEqual([...whole]);
    expect(FakeSocket.sockets[0]!.protocols).toEqual(['sfa.v1', 'sfa.bearer.dG9r']);
    expect(FakeSocket.sockets[0]!.url).toBe(`wss://sfa.example:8787/base/v1/jobs?job=${JOB}`);
    const [open, release] = FakeSocket.sockets[0]!.opens();
    expect(open).toMatchObject({
      type: 'open',
      protocol: 1,
      jobId: JOB,
      model: 'quick',
      format: 'f32',
      shifts: 0,
      seed: 0,
      input: { bytes: 100, sha256: sha(bytes(0, 100)) },
    });
    expect(open).not.toHaveProperty('have');
    expect(release).toEqual({ type: 'release', jobId: JOB });
  });

  it('drops a connection that sends a stem frame out of place, and resumes from the bytes it kept', async () => {
    const whole = bytes(0, 30);
    const result = await run((socket, message, connection) => {
      if (message.type !== 'open') return;
      socket.reply(accepted());
      if (connection === 0) {
        socket.reply(stemFrame(0, 0, whole.subarray(0, 10)));
        socket.reply(stemFrame(1, 20, whole.subarray(20))); // a gap: 10..20 is missing
        return;
      }
      socket.reply(stemFrame(0, 10, whole.subarray(10)));
      socket.reply({ type: 'done', jobId: JOB, stems: [{ stem: 'vocals', bytes: 30, sha256: sha(whole) }] });
    });
    expect([...result.stems.vocals!]).toEqual([...whole]);
    expect(FakeSocket.sockets[0]!.closeCode).toBe(4400);
    expect(FakeSocket.sockets[1]!.opens()[0]!.have).toEqual({ vocals: 10 });
    expect(result.stats).toMatchObject({ connections: 2, receivedBytes: 30 });
  });

  it('streams: hands the bytes to stem-data, keeps none, and checks them with a running hash', async () => {
    const whole = bytes(0, 300);
    const seen = new Uint8Array(300);
    const result = await run(
      (socket, message) => {
        if (message.type !== 'open') return;
        socket.reply(accepted());
        for (let at = 0, seq = 0; at < 300; at += 70) socket.reply(stemFrame(seq++, at, whole.subarray(at, at + 70)));
        socket.reply({ type: 'done', jobId: JOB, stems: [{ stem: 'vocals', bytes: 300, sha256: sha(whole) }] });
      },
      {
        streamStems: true,
        onEvent: (e) => e.type === 'stem-data' && seen.set(e.bytes, e.offset),
      },
    );
    expect(result.stems).toEqual({});
    expect(result.sha256).toEqual({ vocals: sha(whole) });
    expect([...seen]).toEqual([...whole]);
    expect(FakeSocket.sockets[0]!.opens().map((m) => m.type)).toEqual(['open', 'release']);
  });

  it('streams on from a held count and hash, and refuses to release stems that do not check', async () => {
    const whole = bytes(0, 300);
    const done: ServerMessage = {
      type: 'done',
      jobId: JOB,
      stems: [{ stem: 'vocals', bytes: 300, sha256: sha(whole) }],
    };
    const script: Script = (socket, message) => {
      if (message.type !== 'open') return;
      socket.reply(accepted());
      socket.reply(stemFrame(0, 120, whole.subarray(120)));
      socket.reply(done);
    };
    const result = await run(script, {
      stems: ['vocals'],
      streamStems: true,
      received: { vocals: { length: 120, hasher: new Sha256().update(whole.subarray(0, 120)) } },
    });
    expect(FakeSocket.sockets[0]!.opens()[0]!.have).toEqual({ vocals: 120 });
    expect(result.sha256.vocals).toBe(sha(whole));

    // A hash of other bytes: the check fails (twice: once more from byte 0, with the same frames).
    await expect(
      run(script, {
        streamStems: true,
        received: { vocals: { length: 120, hasher: new Sha256().update(bytes(1, 120)) } },
      }),
    ).rejects.toThrow();
    expect(FakeSocket.sockets.flatMap((s) => s.opens()).map((m) => m.type)).not.toContain('release');
  });

  it('streaming: after a checksum mismatch, says so and fetches every stem again from byte 0', async () => {
    const vocals = bytes(0, 30);
    const drums = bytes(9, 20);
    const events: unknown[] = [];
    const result = await run(
      (socket, message, connection) => {
        if (message.type !== 'open') return;
        socket.reply({ ...accepted(), stems: ['vocals', 'drums'] } as ServerMessage);
        socket.reply(stemFrame(0, 0, connection === 0 ? bytes(1, 30) : vocals, 0));
        socket.reply(stemFrame(1, 0, drums, 1));
        socket.reply({
          type: 'done',
          jobId: JOB,
          stems: [
            { stem: 'vocals', bytes: 30, sha256: sha(vocals) },
            { stem: 'drums', bytes: 20, sha256: sha(drums) },
          ],
        });
      },
      { streamStems: true, onEvent: (e) => e.type !== 'stem-data' && e.type !== 'connecting' && events.push(e) },
    );
    expect(result.sha256).toEqual({ vocals: sha(vocals), drums: sha(drums) });
    expect(events).toContainEqual({ type: 'stems-reset', stems: ['vocals', 'drums'] });
    expect(FakeSocket.sockets[1]!.opens()[0]).not.toHaveProperty('have');
  });

  it('fetches a stem again, once, when its checksum is wrong; releases only checked stems', async () => {
    const whole = bytes(0, 30);
    const result = await run((socket, message, connection) => {
      if (message.type !== 'open') return;
      socket.reply(accepted());
      socket.reply(stemFrame(0, 0, connection === 0 ? bytes(1, 30) : whole));
      socket.reply({ type: 'done', jobId: JOB, stems: [{ stem: 'vocals', bytes: 30, sha256: sha(whole) }] });
    });
    expect([...result.stems.vocals!]).toEqual([...whole]);
    expect(FakeSocket.sockets[0]!.opens().map((m) => m.type)).toEqual(['open']);
    expect(FakeSocket.sockets[1]!.opens().map((m) => m.type)).toEqual(['open', 'release']);
    expect(FakeSocket.sockets[1]!.opens()[0]).not.toHaveProperty('have');

    await expect(
      run((socket, message) => {
        if (message.type !== 'open') return;
        socket.reply(accepted());
        socket.reply(stemFrame(0, 0, bytes(1, 30)));
        socket.reply({ type: 'done', jobId: JOB, stems: [{ stem: 'vocals', bytes: 30, sha256: sha(whole) }] });
      }),
    ).rejects.toThrow(/do not match the server's checksums/);
  });

  it('waits and retries when busy, as often as allowed', async () => {
    const busy: ServerMessage = { type: 'busy', reason: 'queue-full', queueLength: 3, retryAfterSec: 0 };
    const error = await run((socket, message) => message.type === 'open' && socket.reply(busy)).catch((e) => e);
    expect(error).toBeInstanceOf(OffloadBusyError);
    expect(error).toMatchObject({ code: 'busy', reason: 'queue-full', queueLength: 3 });

    const whole = bytes(0, 5);
    const events: string[] = [];
    await run(
      (socket, message, connection) => {
        if (message.type !== 'open') return;
        if (connection === 0) return socket.reply(busy);
        socket.reply(accepted());
        socket.reply(stemFrame(0, 0, whole));
        socket.reply({ type: 'done', jobId: JOB, stems: [{ stem: 'vocals', bytes: 5, sha256: sha(whole) }] });
      },
      { busyRetries: 1, onEvent: (e) => events.push(e.type) },
    );
    expect(events).toContain('busy');
  });

  it('gives the job up when another client takes it over, instead of taking it back', async () => {
    await expect(
      run((socket, message) => {
        if (message.type !== 'open') return;
        socket.reply(accepted());
        setTimeout(() => socket.close(4409));
      }),
    ).rejects.toMatchObject({ code: 'duplicate' });
    expect(FakeSocket.sockets).toHaveLength(1);
  });

  it("turns the server's error into an SfaError with its code", async () => {
    await expect(
      run(
        (socket, message) =>
          message.type === 'open' && socket.reply({ type: 'error', code: 'not-audio', message: 'a PNG image' }),
      ),
    ).rejects.toMatchObject({ name: 'SfaError', code: 'not-audio', message: 'a PNG image' });
  });

  it('cancels on the server when its signal fires', async () => {
    const controller = new AbortController();
    const outcome = run(
      (socket, message) => {
        if (message.type === 'open') {
          socket.reply(accepted());
          setTimeout(() => controller.abort(), 5);
        }
        if (message.type === 'cancel') socket.reply({ type: 'cancelled', jobId: JOB });
      },
      { signal: controller.signal },
    );
    await expect(outcome).rejects.toMatchObject({ code: 'aborted' });
    expect(FakeSocket.sockets[0]!.opens().map((m) => m.type)).toEqual(['open', 'cancel']);
    expect(FakeSocket.sockets).toHaveLength(1);
  });

  it('uploads in numbered frames, and waits while the socket holds too much', async () => {
    const file = bytes(0, 2500);
    const whole = bytes(7, 3);
    let held: FakeSocket | undefined;
    const done = run(
      (socket, message) => {
        if (message.type !== 'open') return;
        held = socket;
        socket.bufferedAmount = 10_000;
        socket.reply(accepted(true));
      },
      { file, frameBytes: 1000, highWaterBytes: 5000 },
    );
    await new Promise((r) => setTimeout(r, 60));
    expect(held!.sent.filter((d) => d instanceof Uint8Array)).toHaveLength(0);
    held!.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 60));
    const frames = held!.sent.filter((d): d is Uint8Array => d instanceof Uint8Array).map(decodeFrame);
    expect(frames.map((f) => [f.kind, f.seq, f.offset, f.payload.length])).toEqual([
      [FrameKind.upload, 0, 0, 1000],
      [FrameKind.upload, 1, 1000, 1000],
      [FrameKind.upload, 2, 2000, 500],
    ]);
    held!.reply(stemFrame(0, 0, whole));
    held!.reply({ type: 'done', jobId: JOB, stems: [{ stem: 'vocals', bytes: 3, sha256: sha(whole) }] });
    expect((await done).stats.uploadedBytes).toBe(2500);
  });
});

describe('jobsUrl', () => {
  it('turns the server URL into its WebSocket job endpoint', () => {
    expect(jobsUrl('http://127.0.0.1:8787')).toBe('ws://127.0.0.1:8787/v1/jobs');
    expect(jobsUrl('https://gpu.example/sfa/')).toBe('wss://gpu.example/sfa/v1/jobs');
    expect(jobsUrl('ws://host:1')).toBe('ws://host:1/v1/jobs');
    expect(jobsUrl('http://host:1', 'job-1234abcd')).toBe('ws://host:1/v1/jobs?job=job-1234abcd');
    expect(() => jobsUrl('ftp://host')).toThrow(/http\(s\) or ws\(s\)/);
  });
});
