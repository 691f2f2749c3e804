// The offload server as a real process on a loopback port, driven over real WebSockets by the
// shared client (and by hand-made frames where a client must misbehave): whole jobs in every
// output format against the local pipeline, tokens, origins, limits, bad frames, busy, cancel
// and many clients at once.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '@sfa/shared/audio/decode';
import { sha256Hex } from '@sfa/shared/library/content-hash';
import { OffloadBusyError, type OffloadEvent } from '@sfa/shared/offload/client';
import { OFFLOAD_PROTOCOL_VERSION, type OutputFormat } from '@sfa/shared/offload/protocol';
import { GAIN_STEMS, GAINS, localStems, newJobId, runJob, wavFile, writeModels } from './testing/fixtures.ts';
import { connect, handshakeStatus } from './testing/raw-client.ts';
import { startServerProcess, type ServerProcess } from './testing/server-process.ts';

const TOKEN = 'test-token-0123456789abcdef';
const OTHER_TOKEN = 'other-token-0123456789abcdef';
const ORIGIN = 'http://app.example';
let dir: string;
let models: string;
/** One job at a time, one more waiting, two per token: busy and cancel are easy to provoke. */
let server: ServerProcess;

const sha = (bytes: Uint8Array) => sha256Hex(bytes as Uint8Array<ArrayBuffer>);

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

function openMessage(jobId: string, file: Uint8Array, digest: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'open',
    protocol: OFFLOAD_PROTOCOL_VERSION,
    jobId,
    model: 'gains',
    format: 'pcm16',
    input: { bytes: file.length, sha256: digest },
    ...extra,
  };
}

/** Resolves when `predicate` holds for an event of the job. */
function waitForEvent(events: OffloadEvent[], predicate: (e: OffloadEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (events.some(predicate) ? resolve() : setTimeout(poll, 10));
    poll();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-offload-'));
  models = join(dir, 'models');
  await writeModels(models, 400);
  server = await startServerProcess({
    SFA_TOKENS: `${TOKEN},${OTHER_TOKEN}`,
    SFA_MODELS_DIR: models,
    SFA_DATA_DIR: join(dir, 'data'),
    SFA_ALLOWED_ORIGINS: ORIGIN,
    SFA_CONCURRENCY: '1',
    SFA_QUEUE_DEPTH: '1',
    SFA_MAX_JOBS_PER_TOKEN: '2',
  });
  await server.ready();
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a whole job', () => {
  it.each(['pcm16', 'f32', 'flac'] as const)(
    'streams every stem in %s, equal to the local pipeline',
    async (format) => {
      const file = wavFile(3.3);
      const stems = [...GAIN_STEMS, 'instrumental'];
      const events: OffloadEvent[] = [];
      const result = await runJob(server.url, {
        token: TOKEN,
        jobId: newJobId(),
        model: 'gains',
        stems,
        format,
        file,
        onEvent: (e) => events.push(e),
      });
      const expected = await localStems(models, 'gains', file, stems, format);
      expect(Object.keys(result.stems)).toEqual(stems);
      for (const stem of stems) {
        expect(Buffer.compare(result.stems[stem]!, expected[stem]!), stem).toBe(0);
        expect(result.sha256[stem]).toBe(await sha(expected[stem]!));
      }
      // Independently of the encoder: each stem decodes to its gain times the input.
      const input = await decodeAudio(file);
      const tolerance = { pcm16: 1 / 32768, f32: 1e-7, flac: 1 / 2 ** 23 }[format];
      for (const [stem, gain] of [
        ...GAIN_STEMS.map((s, i) => [s, GAINS[i]!] as const),
        ['instrumental', 0.6] as const,
      ]) {
        const decoded = await decodeAudio(result.stems[stem]!);
        expect(decoded.sampleRate).toBe(44_100);
        decoded.channels.forEach((channel, c) => {
          expect(channel.length).toBe(input.channels[c]!.length);
          let worst = 0;
          for (let i = 0; i < channel.length; i++) {
            worst = Math.max(worst, Math.abs(channel[i]! - gain * input.channels[c]![i]!));
          }
          expect(worst, `${stem} ${c}`).toBeLessThanOrEqual(tolerance);
        });
      }
      expect(result.audio).toEqual({ sampleRate: 44_100, channels: 2, frames: input.channels[0]!.length });
      // Progress is the usual shape: never decreasing, ending at exactly 1.
      const fractions = events.flatMap((e) => (e.type === 'progress' ? [e.fraction] : []));
      expect(fractions.length).toBeGreaterThan(1);
      expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
      expect(fractions.at(-1)).toBe(1);
      expect(events.filter((e) => e.type === 'upload').at(-1)).toEqual({
        type: 'upload',
        sentBytes: file.length,
        totalBytes: file.length,
      });
    },
  );

  it('reopening a finished job sends its stems again without running it twice', async () => {
    const file = wavFile(1);
    const jobId = newJobId();
    const first = await runJob(server.url, { token: TOKEN, jobId, model: 'gains', format: 'f32', file });
    const runsBefore = await metric(server.url, 'sfa_jobs_finished_total{outcome="done"}');
    // The client released the results after checking them: the id stays used.
    await expect(
      runJob(server.url, { token: TOKEN, jobId, model: 'gains', format: 'f32', file }),
    ).rejects.toMatchObject({ code: 'not-found', message: "this job's results were released" });
    // The same id with another request is refused rather than mixed up.
    await expect(
      runJob(server.url, { token: TOKEN, jobId, model: 'gains', format: 'pcm16', file }),
    ).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/opened before with another/) });
    // Another token's job of the same id is another job.
    const other = await runJob(server.url, { token: OTHER_TOKEN, jobId, model: 'gains', format: 'f32', file });
    expect(other.sha256).toEqual(first.sha256);
    expect(await metric(server.url, 'sfa_jobs_finished_total{outcome="done"}')).toBe(runsBefore + 1);
  });
});

describe('who may connect', () => {
  it('refuses a missing or wrong token at the handshake, and no job runs', async () => {
    const opened = await metric(server.url, 'sfa_bytes_received_total');
    expect(await handshakeStatus(server.url, {})).toBe(401);
    expect(await handshakeStatus(server.url, { token: 'wrong-token-0123456789abcdef' })).toBe(401);
    expect(await handshakeStatus(server.url, { token: TOKEN.slice(0, -1) })).toBe(401);
    await expect(
      runJob(server.url, { token: 'nope', jobId: newJobId(), model: 'gains', format: 'f32', file: wavFile(0.5) }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await metric(server.url, 'sfa_bytes_received_total')).toBe(opened);
    expect(server.lines.join('\n')).not.toContain('wrong-token');
    expect(server.lines.join('\n')).not.toContain(TOKEN);
  }, 20_000);

  it('takes the token as a header or a subprotocol', async () => {
    expect(await handshakeStatus(server.url, { token: TOKEN })).toBe(101);
    expect(await handshakeStatus(server.url, { token: TOKEN, header: true })).toBe(101);
  });

  it('refuses a browser from an origin not on the allowlist', async () => {
    expect(await handshakeStatus(server.url, { token: TOKEN, origin: 'http://evil.example' })).toBe(403);
    expect(await handshakeStatus(server.url, { token: TOKEN, origin: ORIGIN })).toBe(101);
  });
});

describe('bad input', () => {
  async function expectRefused(send: (c: Awaited<ReturnType<typeof connect>>) => void, message: RegExp) {
    const connection = await connect(server.url, { token: TOKEN });
    send(connection);
    const error = await connection.next('error');
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(message);
    expect((await connection.closed).code).toBe(1008);
  }

  it('ends only the offending connection, while another job runs on to the right result', async () => {
    const file = wavFile(2);
    const running = runJob(server.url, { token: OTHER_TOKEN, jobId: newJobId(), model: 'slow', format: 'pcm16', file });

    await expectRefused((c) => c.socket.send('hello'), /not JSON/);
    await expectRefused((c) => c.sendJson({ type: 'open', jobId: 'x' }), /malformed/);
    await expectRefused((c) => c.socket.send(new Uint8Array([1, 2, 3])), /binary frame while no upload/);

    const digest = await sha(file);
    const opened = async () => {
      const jobId = newJobId();
      const c = await connect(server.url, { token: TOKEN });
      c.sendJson(openMessage(jobId, file, digest));
      expect((await c.next('accepted')).upload).toBe(true);
      return { c, jobId };
    };
    // Out of order: frame 1 first.
    let { c, jobId } = await opened();
    c.sendUpload(jobId, 1, 0, file.subarray(0, 1000));
    expect((await c.next('error')).message).toMatch(/upload frame 1 came where frame 0 was due/);
    // A gap: frame 0 at the wrong offset.
    ({ c, jobId } = await opened());
    c.sendUpload(jobId, 0, 500, file.subarray(0, 1000));
    expect((await c.next('error')).message).toMatch(/offset 500, expected 0/);
    // A truncated frame (shorter than its header).
    ({ c } = await opened());
    c.socket.send(new Uint8Array([0x53, 0x46, 1, 1, 0]));
    expect((await c.next('error')).message).toMatch(/malformed binary frame/);
    // A frame larger than any the protocol allows: the socket layer closes with 1009.
    ({ c } = await opened());
    c.socket.send(new Uint8Array(2 * 1024 * 1024));
    expect((await c.closed).code).toBe(1009);

    const result = await running;
    const expected = await localStems(models, 'slow', file, GAIN_STEMS, 'pcm16');
    for (const stem of GAIN_STEMS) expect(Buffer.compare(result.stems[stem]!, expected[stem]!), stem).toBe(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('says what is wrong with a file that is not audio, or is cut short', async () => {
    const text = new TextEncoder().encode('This is a text file, not a song. '.repeat(40));
    await expect(
      runJob(server.url, { token: TOKEN, jobId: newJobId(), model: 'gains', format: 'f32', file: text }),
    ).rejects.toMatchObject({ code: 'not-audio' });
    const truncated = wavFile(1).subarray(0, 30_000);
    await expect(
      runJob(server.url, { token: TOKEN, jobId: newJobId(), model: 'gains', format: 'f32', file: truncated }),
    ).rejects.toMatchObject({ code: 'truncated' });
    await expect(
      runJob(server.url, { token: TOKEN, jobId: newJobId(), model: 'htdemucs', format: 'f32', file: wavFile(0.2) }),
    ).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/it has quick, gains, slow/) });
    await expect(
      runJob(server.url, {
        token: TOKEN,
        jobId: newJobId(),
        model: 'gains',
        stems: ['guitar'],
        format: 'f32',
        file: text,
      }),
    ).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/no stem "guitar"/) });
  });
});

describe('the queue', () => {
  it('answers busy when full, and a cancel frees the running slot at once', async () => {
    const long = wavFile(60);
    const aEvents: OffloadEvent[] = [];
    const cancelA = new AbortController();
    const a = runJob(server.url, {
      token: TOKEN,
      jobId: newJobId('a'),
      model: 'slow',
      format: 'pcm16',
      file: long,
      signal: cancelA.signal,
      onEvent: (e) => aEvents.push(e),
    });
    const aFailed = a.catch((error: unknown) => error);
    await waitForEvent(aEvents, (e) => e.type === 'started');

    const bEvents: OffloadEvent[] = [];
    const small = wavFile(1);
    const b = runJob(server.url, {
      token: OTHER_TOKEN,
      jobId: newJobId('b'),
      model: 'gains',
      format: 'pcm16',
      file: small,
      onEvent: (e) => bEvents.push(e),
    });
    await waitForEvent(bEvents, (e) => e.type === 'queued');
    expect(bEvents.find((e) => e.type === 'queued')).toEqual({ type: 'queued', position: 1, queueLength: 1 });

    // One running and one waiting fill this server: the next client is told so at once.
    const busy = await runJob(server.url, {
      token: OTHER_TOKEN,
      jobId: newJobId('c'),
      model: 'gains',
      format: 'pcm16',
      file: small,
    }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(OffloadBusyError);
    expect(busy).toMatchObject({ reason: 'queue-full', queueLength: 1 });

    const cancelledAt = performance.now();
    cancelA.abort();
    expect(await aFailed).toMatchObject({ code: 'aborted' });
    await b;
    // A minute of audio takes this model about 12 s: B ran as soon as A's slot was freed.
    expect(performance.now() - cancelledAt).toBeLessThan(5000);
    expect(await metric(server.url, 'sfa_jobs{state="running"}')).toBe(0);
    expect(await metric(server.url, 'sfa_jobs_finished_total{outcome="cancelled"}')).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('limits the jobs one token holds at once', async () => {
    const cancel = new AbortController();
    const events: OffloadEvent[][] = [[], []];
    const held = events.map((list, i) =>
      runJob(server.url, {
        token: TOKEN,
        jobId: newJobId(`held${i}`),
        model: 'slow',
        format: 'pcm16',
        file: wavFile(60),
        signal: cancel.signal,
        onEvent: (e) => list.push(e),
      }).catch((error: unknown) => error),
    );
    await Promise.all(events.map((list) => waitForEvent(list, (e) => e.type === 'accepted')));
    const third = await runJob(server.url, {
      token: TOKEN,
      jobId: newJobId(),
      model: 'gains',
      format: 'pcm16',
      file: wavFile(0.5),
    }).catch((error: unknown) => error);
    expect(third).toMatchObject({ reason: 'token-limit' });
    cancel.abort();
    for (const outcome of await Promise.all(held)) expect(outcome).toMatchObject({ code: 'aborted' });
  }, 60_000);
});

describe('clients that leave', () => {
  it('hold no place after closing mid-open, mid-upload, or cancelling an upload', async () => {
    const file = wavFile(3);
    const digest = await sha(file);
    const gone = await connect(server.url, { token: TOKEN });
    gone.sendJson(openMessage(newJobId(), file, digest));
    gone.socket.close();
    const halfway = await connect(server.url, { token: TOKEN });
    const halfwayId = newJobId();
    halfway.sendJson(openMessage(halfwayId, file, digest));
    await halfway.next('accepted');
    halfway.sendUpload(halfwayId, 0, 0, file.subarray(0, 100_000));
    halfway.socket.terminate();
    // The same job at once on a new connection: the upload starts over there and the job runs,
    // whichever of the old connection's end and the new open the server sees first.
    const retried = await runJob(server.url, { token: TOKEN, jobId: halfwayId, model: 'gains', format: 'pcm16', file });
    expect(Object.keys(retried.stems)).toEqual(GAIN_STEMS);

    const cancel = new AbortController();
    const cancelled = runJob(server.url, {
      token: TOKEN,
      jobId: newJobId(),
      model: 'gains',
      format: 'f32',
      file,
      frameBytes: 16_384,
      signal: cancel.signal,
      onEvent: (e) => e.type === 'upload' && e.sentBytes > 100_000 && cancel.abort(),
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'aborted' });
    const deadline = Date.now() + 5000;
    while ((await metric(server.url, 'sfa_jobs{state="upload"}')) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await metric(server.url, 'sfa_jobs{state="upload"}')).toBe(0);
    expect(await metric(server.url, 'sfa_queue_depth')).toBe(0);
  });
});

describe('limits while uploading', () => {
  let limited: ServerProcess;

  beforeAll(async () => {
    limited = await startServerProcess({
      SFA_TOKENS: TOKEN,
      SFA_DATA_DIR: join(dir, 'limited'),
      SFA_MAX_UPLOAD_BYTES: '400000',
      SFA_MAX_DURATION_SEC: '3',
    });
    await limited.ready();
  });

  afterAll(() => limited?.stop());

  it('refuses an announced size over the limit before any byte is sent', async () => {
    await expect(
      runJob(limited.url, { token: TOKEN, jobId: newJobId(), model: 'quick', format: 'f32', file: wavFile(5) }),
    ).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/accepts up to 400000/) });
    expect(await metric(limited.url, 'sfa_bytes_received_total')).toBe(0);
  });

  it('stops an upload that goes past its announced size there', async () => {
    const before = await metric(limited.url, 'sfa_bytes_received_total');
    const file = wavFile(2.5);
    const announced = file.subarray(0, 350_000);
    const c = await connect(limited.url, { token: TOKEN });
    const jobId = newJobId();
    c.sendJson(openMessage(jobId, announced, await sha(announced), { model: 'quick' }));
    await c.next('accepted');
    // Frames of 60 000 bytes: five fit, the sixth would cross the 350 000 announced.
    for (let offset = 0, seq = 0; offset < file.length; offset += 60_000, seq++) {
      c.sendUpload(jobId, seq, offset, file.subarray(offset, offset + 60_000));
    }
    const error = await c.next('error');
    expect(error).toMatchObject({ code: 'too-large', message: expect.stringMatching(/past the 350000 bytes/) });
    expect(await metric(limited.url, 'sfa_bytes_received_total')).toBe(before + 300_000);
  });

  it('stops audio longer than the limit at its first bytes, from its header', async () => {
    const before = await metric(limited.url, 'sfa_bytes_received_total');
    const file = wavFile(10, 8000, 1);
    expect(file.length).toBeLessThan(400_000);
    await expect(
      runJob(limited.url, { token: TOKEN, jobId: newJobId(), model: 'quick', format: 'f32', file, frameBytes: 16_384 }),
    ).rejects.toMatchObject({
      code: 'too-large',
      message: expect.stringMatching(/audio is 10\.0.* long; this server takes up to 3/),
    });
    expect(await metric(limited.url, 'sfa_bytes_received_total')).toBe(before + 65_536);
  });
});

describe('many clients', () => {
  let wide: ServerProcess;

  beforeAll(async () => {
    wide = await startServerProcess({
      SFA_TOKENS: TOKEN,
      SFA_MODELS_DIR: models,
      SFA_DATA_DIR: join(dir, 'wide'),
      SFA_CONCURRENCY: '2',
      SFA_QUEUE_DEPTH: '16',
      SFA_MAX_JOBS_PER_TOKEN: '16',
    });
    await wide.ready();
  });

  afterAll(() => wide?.stop());

  it('completes 16 concurrent short jobs, each with the right stems', async () => {
    const formats: OutputFormat[] = ['pcm16', 'f32', 'flac'];
    const files = [wavFile(1.5), wavFile(2, 48_000, 1)];
    const expected = new Map<string, Record<string, Uint8Array>>();
    for (const [f, file] of files.entries()) {
      for (const format of formats)
        expected.set(`${f}-${format}`, await localStems(models, 'gains', file, GAIN_STEMS, format));
    }
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        runJob(wide.url, {
          token: TOKEN,
          jobId: newJobId(`many${i}`),
          model: 'gains',
          format: formats[i % 3]!,
          file: files[i % 2]!,
        }).then((result) => ({ i, result })),
      ),
    );
    expect(performance.now() - started).toBeLessThan(60_000);
    for (const { i, result } of results) {
      const want = expected.get(`${i % 2}-${formats[i % 3]}`)!;
      for (const stem of GAIN_STEMS) expect(Buffer.compare(result.stems[stem]!, want[stem]!), `${i} ${stem}`).toBe(0);
    }
    expect(await metric(wide.url, 'sfa_jobs_finished_total{outcome="done"}')).toBe(16);
  }, 90_000);
});
