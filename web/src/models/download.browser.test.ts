// The download manager in headless Chromium, with its real IndexedDB and Web Crypto, against a
// scripted server (Range, If-Range, ETag, dropped connections, servers that ignore ranges); and
// the fp16 file of a model, downloaded, resumed and run on onnxruntime-web's WASM backend.
import * as ort from 'onnxruntime-web/wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrtSession, type OrtModuleLike } from '@sfa/shared/inference/ort-session';
import { createOnnxSeparator } from '@sfa/shared/separation/onnx-separator';
import { testMix } from '@sfa/shared/separation/testing/signals';
import { sha256Hex } from '@sfa/shared/library/content-hash';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { CatalogueEntry } from '@sfa/shared/separation/catalogue';
import { mdxDescriptor } from '@sfa/shared/separation/descriptor-presets';
import { buildMdxMaskModel } from '../../../models/builders/test-models.ts';
import { closeLibrary, openLibrary, type LibraryDb } from '../storage/db.ts';
import { getDownload, getModel } from '../storage/model-store.ts';
import { downloadModel, type DownloadProgress } from './download.ts';

const descriptor = mdxDescriptor({ id: 'test-mdx', name: 'Test MDX', nFft: 512, dimF: 256, dimT: 16 });
// slice(): a copy backed by a plain ArrayBuffer, as Web Crypto's types ask.
const MODEL: Uint8Array<ArrayBuffer> = buildMdxMaskModel(
  descriptor,
  Float32Array.from({ length: 256 }, (_, i) => i / 256),
).slice();
const MASK = Float32Array.from({ length: 256 }, (_, i) => i / 256);
const MODEL_FP16: Uint8Array<ArrayBuffer> = buildMdxMaskModel(descriptor, MASK, { precision: 'fp16' }).slice();
const URL_ = 'http://models.test/test-mdx.onnx';
const URL_FP16 = 'http://models.test/test-mdx.fp16.onnx';
const ETAG = '"v1"';
const PART_BYTES = 256;
const ROOMY = async () => ({ quota: 1e12, usage: 0 });

let dbCount = 0;
const usedNames: string[] = [];
async function freshDb(): Promise<LibraryDb> {
  const name = `sfa-download-test-${Date.now()}-${dbCount++}`;
  usedNames.push(name);
  return openLibrary(name);
}

afterEach(async () => {
  for (const name of usedNames.splice(0)) {
    await closeLibrary(name);
    indexedDB.deleteDatabase(name);
  }
});

async function entry(overrides: Partial<CatalogueEntry> = {}): Promise<CatalogueEntry> {
  return {
    ...descriptor,
    url: URL_,
    bytes: MODEL.length,
    sha256: await sha256Hex(MODEL),
    checksumVerified: true,
    licence: 'MIT',
    ...overrides,
  };
}

interface ServerOptions {
  /** Error the body (a dropped connection) after this many bytes of this response. */
  cutAfter?: number;
  /** Answer every request with the whole file (a server without range support). */
  ignoreRanges?: boolean;
  /** Call `onBytes` as each chunk is sent (to cancel mid-stream). */
  onBytes?: (sent: number) => void;
}

/** A scripted HTTP server for `bytes`, recording the headers of every request. */
function server(bytes: Uint8Array, script: ServerOptions[] = []) {
  const requests: { range: string | null; ifRange: string | null }[] = [];
  const serve = (async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    requests.push({ range: headers.get('Range'), ifRange: headers.get('If-Range') });
    const options = script[requests.length - 1] ?? {};
    const range = /^bytes=(\d+)-$/.exec(headers.get('Range') ?? '');
    const partial = range && !options.ignoreRanges && headers.get('If-Range') === ETAG;
    const from = partial ? Number(range[1]) : 0;
    if (from >= bytes.length && partial) {
      return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${bytes.length}` } });
    }
    const body = bytes.subarray(from);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (init?.signal?.aborted) return controller.error(new DOMException('Aborted', 'AbortError'));
        if (options.cutAfter !== undefined && sent >= options.cutAfter) {
          return controller.error(new TypeError('network error'));
        }
        if (sent >= body.length) return controller.close();
        const size = Math.min(100, body.length - sent, (options.cutAfter ?? Infinity) - sent);
        controller.enqueue(body.slice(sent, sent + size));
        sent += size;
        options.onBytes?.(sent);
      },
    });
    const common = { ETag: ETAG, 'Content-Length': String(body.length) };
    return partial
      ? new Response(stream, {
          status: 206,
          headers: { ...common, 'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` },
        })
      : new Response(stream, { status: 200, headers: common });
  }) as typeof fetch;
  return { fetch: serve, requests };
}

async function storedBytes(db: LibraryDb, id: string): Promise<Uint8Array | undefined> {
  const model = await getModel(db, id);
  return model && new Uint8Array(await model.blob.arrayBuffer());
}

async function failure(promise: Promise<unknown>): Promise<SfaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SfaError);
  return error as SfaError;
}

describe('downloadModel', () => {
  it('streams the file in parts, reports progress, checks it and stores it as one Blob', async () => {
    const db = await freshDb();
    const { fetch, requests } = server(MODEL);
    const progress: DownloadProgress[] = [];
    const record = await downloadModel(await entry(), {
      db,
      fetch,
      estimate: ROOMY,
      partBytes: PART_BYTES,
      onProgress: (p) => progress.push(p),
    });
    expect(record).toMatchObject({ id: 'test-mdx', source: 'catalogue', verification: 'checksum', licence: 'MIT' });
    expect(record.sha256).toBe(await sha256Hex(MODEL));
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL);
    expect((await getModel(db, 'test-mdx'))!.descriptor).toEqual(descriptor);
    expect(await getDownload(db, 'test-mdx')).toBeUndefined();
    expect(await db.count('modelParts')).toBe(0);
    expect(requests).toEqual([{ range: null, ifRange: null }]);
    const received = progress.filter((p) => p.stage === 'download').map((p) => p.receivedBytes);
    expect(received.at(-1)).toBe(MODEL.length);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ stage: 'store', fraction: 1 });
    expect(progress.every((p) => p.totalBytes === MODEL.length)).toBe(true);
  });

  it('refuses a file whose checksum differs, saying expected and got, and keeps nothing', async () => {
    const db = await freshDb();
    const wrong = 'f'.repeat(64);
    const error = await failure(
      downloadModel(await entry({ sha256: wrong }), {
        db,
        fetch: server(MODEL).fetch,
        estimate: ROOMY,
        partBytes: 256,
      }),
    );
    expect(error.code).toBe('model-invalid');
    expect(error.message).toContain(`should be ${wrong}`);
    expect(error.message).toContain(`got ${await sha256Hex(MODEL)}`);
    expect(await getModel(db, 'test-mdx')).toBeUndefined();
    expect(await getDownload(db, 'test-mdx')).toBeUndefined();
    expect(await db.count('modelParts')).toBe(0);
  });

  it('records the hash of an unverified model', async () => {
    const db = await freshDb();
    const record = await downloadModel(await entry({ sha256: null, checksumVerified: false }), {
      db,
      fetch: server(MODEL).fetch,
      estimate: ROOMY,
    });
    expect(record.verification).toBe('recorded');
    expect(record.sha256).toBe(await sha256Hex(MODEL));
  });

  it('resumes after a dropped connection from the stored byte count, with If-Range', async () => {
    const db = await freshDb();
    const cutAfter = 700;
    const { fetch, requests } = server(MODEL, [{ cutAfter }]);
    const options = { db, fetch, estimate: ROOMY, partBytes: PART_BYTES };
    const error = await failure(downloadModel(await entry(), options));
    expect(error.code).toBe('truncated');
    expect(error.message).toMatch(/interrupted at .* Resume continues/);
    // Everything that arrived was kept, the part in flight included.
    const paused = await getDownload(db, 'test-mdx');
    expect(paused).toMatchObject({ receivedBytes: cutAfter, totalBytes: MODEL.length, etag: ETAG });
    expect(await getModel(db, 'test-mdx')).toBeUndefined();

    await downloadModel(await entry(), options);
    expect(requests[1]).toEqual({ range: `bytes=${cutAfter}-`, ifRange: ETAG });
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL);
    expect(await db.count('modelParts')).toBe(0);
  });

  it('starts over cleanly when the server answers a resume with the whole file', async () => {
    const db = await freshDb();
    const { fetch, requests } = server(MODEL, [{ cutAfter: 500 }, { ignoreRanges: true }]);
    const options = { db, fetch, estimate: ROOMY, partBytes: PART_BYTES };
    await failure(downloadModel(await entry(), options));
    const record = await downloadModel(await entry(), options);
    expect(requests[1]!.range).toBe('bytes=500-');
    expect(record.verification).toBe('checksum');
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL);
  });

  it('keeps what arrived when cancelled, and Resume finishes it', async () => {
    const db = await freshDb();
    const controller = new AbortController();
    const { fetch, requests } = server(MODEL, [{ onBytes: (sent) => sent >= 400 && controller.abort() }]);
    const error = await failure(
      downloadModel(await entry(), { db, fetch, estimate: ROOMY, partBytes: PART_BYTES, signal: controller.signal }),
    );
    expect(error.code).toBe('aborted');
    const paused = await getDownload(db, 'test-mdx');
    expect(paused!.receivedBytes).toBeGreaterThanOrEqual(400);
    await downloadModel(await entry(), { db, fetch, estimate: ROOMY, partBytes: PART_BYTES });
    expect(requests[1]!.range).toBe(`bytes=${paused!.receivedBytes}-`);
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL);
  });

  it('finishes without fetching again when every byte had arrived (416 not needed)', async () => {
    const db = await freshDb();
    const { fetch, requests } = server(MODEL, [{ cutAfter: MODEL.length }]);
    // The body errors after the last byte: all bytes are stored, but the download failed.
    await failure(downloadModel(await entry(), { db, fetch, estimate: ROOMY }));
    expect((await getDownload(db, 'test-mdx'))!.receivedBytes).toBe(MODEL.length);
    await downloadModel(await entry(), { db, fetch, estimate: ROOMY });
    expect(requests).toHaveLength(1);
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL);
  });

  it('says how much room is needed and available, and fetches nothing, when storage is short', async () => {
    const db = await freshDb();
    const { fetch, requests } = server(MODEL);
    const error = await failure(
      downloadModel(await entry({ bytes: 200 * 1024 * 1024 }), {
        db,
        fetch,
        estimate: async () => ({ quota: 300 * 1024 * 1024, usage: 100 * 1024 * 1024 }),
      }),
    );
    expect(error.code).toBe('storage-full');
    expect(error.message).toMatch(/needs about 416 MB free .* 200 MB is available/);
    expect(requests).toHaveLength(0);
    expect(await getDownload(db, 'test-mdx')).toBeUndefined();
  });

  it('refuses a file whose tensors are not the descriptor’s, and keeps nothing', async () => {
    const db = await freshDb();
    const other = mdxDescriptor({ id: 'test-mdx', name: 'Test MDX', nFft: 512, dimF: 256, dimT: 32 });
    const error = await failure(
      downloadModel(await entry({ ...other, sha256: null, checksumVerified: false }), {
        db,
        fetch: server(MODEL).fetch,
        estimate: ROOMY,
      }),
    );
    expect(error.code).toBe('model-mismatch');
    expect(error.message).toMatch(/Nothing was kept/);
    expect(await getModel(db, 'test-mdx')).toBeUndefined();
    expect(await db.count('modelParts')).toBe(0);
  });
});

describe('downloadModel, fp16 file', () => {
  async function fp16Entry(): Promise<CatalogueEntry> {
    return entry({
      fp16: { url: URL_FP16, bytes: MODEL_FP16.length, sha256: await sha256Hex(MODEL_FP16), checksumVerified: true },
    });
  }

  /** Both files, each its own scripted server, every request logged with its URL. */
  function servers(fp16Script: ServerOptions[] = []) {
    const fp32 = server(MODEL);
    const fp16 = server(MODEL_FP16, fp16Script);
    const urls: string[] = [];
    const serve = ((url: RequestInfo | URL, init?: RequestInit) => {
      urls.push(String(url));
      return String(url) === URL_FP16 ? fp16.fetch(url, init) : fp32.fetch(url, init);
    }) as typeof fetch;
    return { fetch: serve, urls, fp16Requests: fp16.requests };
  }

  it('fetches the fp16 file when asked, checks its own checksum, and records its precision', async () => {
    const db = await freshDb();
    const { fetch, urls } = servers();
    const record = await downloadModel(await fp16Entry(), { db, fetch, estimate: ROOMY, precision: 'fp16' });
    expect(urls).toEqual([URL_FP16]);
    expect(record).toMatchObject({ precision: 'fp16', verification: 'checksum', byteSize: MODEL_FP16.length });
    expect(record.sha256).toBe(await sha256Hex(MODEL_FP16));
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL_FP16);
    expect((await getModel(db, 'test-mdx'))!.precision).toBe('fp16');
    // The descriptor is the model's, whichever file: the same tensors.
    expect((await getModel(db, 'test-mdx'))!.descriptor).toEqual(descriptor);
  });

  it('fetches the fp32 file by default, and records that', async () => {
    const db = await freshDb();
    const { fetch, urls } = servers();
    const record = await downloadModel(await fp16Entry(), { db, fetch, estimate: ROOMY });
    expect(urls).toEqual([URL_]);
    expect(record.precision).toBe('fp32');
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL);
  });

  it('resumes a paused fp16 download with the fp16 file, whatever the next attempt would choose', async () => {
    const db = await freshDb();
    const { fetch, urls, fp16Requests } = servers([{ cutAfter: 600 }]);
    const options = { db, fetch, estimate: ROOMY, partBytes: PART_BYTES };
    await failure(downloadModel(await fp16Entry(), { ...options, precision: 'fp16' }));
    expect(await getDownload(db, 'test-mdx')).toMatchObject({ precision: 'fp16', url: URL_FP16, receivedBytes: 600 });
    const record = await downloadModel(await fp16Entry(), { ...options, precision: 'fp32' });
    expect(urls).toEqual([URL_FP16, URL_FP16]);
    expect(fp16Requests[1]).toEqual({ range: 'bytes=600-', ifRange: ETAG });
    expect(record.precision).toBe('fp16');
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL_FP16);
  });

  it('starts over with the chosen file when the catalogue no longer offers the paused one', async () => {
    const db = await freshDb();
    const { fetch, urls } = servers([{ cutAfter: 600 }]);
    const options = { db, fetch, estimate: ROOMY, partBytes: PART_BYTES };
    await failure(downloadModel(await fp16Entry(), { ...options, precision: 'fp16' }));
    const record = await downloadModel(await entry(), { ...options, precision: 'fp32' });
    expect(urls).toEqual([URL_FP16, URL_]);
    expect(record.precision).toBe('fp32');
    expect(await storedBytes(db, 'test-mdx')).toEqual(MODEL);
  });

  it('refuses fp16 for an entry that offers no fp16 file, fetching nothing', async () => {
    const db = await freshDb();
    const { fetch, urls } = servers();
    const error = await failure(downloadModel(await entry(), { db, fetch, estimate: ROOMY, precision: 'fp16' }));
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(/offers no fp16 file/);
    expect(urls).toEqual([]);
  });

  it('the stored fp16 file separates on onnxruntime-web (WASM) like the fp32 file, within float16 rounding', async () => {
    const db = await freshDb();
    const { fetch } = servers();
    await downloadModel(await fp16Entry(), { db, fetch, estimate: ROOMY, precision: 'fp16' });
    // The runtime's own .wasm from the installed package, as the app serves it under /ort/.
    ort.env.wasm.wasmPaths = new URL('/node_modules/onnxruntime-web/dist/', location.origin).href;
    ort.env.wasm.numThreads = 1;
    const runtime = ort as unknown as OrtModuleLike;
    const run = async (bytes: Uint8Array) => {
      const session = await createOrtSession(runtime, bytes, {
        runtimeName: 'onnxruntime-web',
        executionProvider: 'wasm',
      });
      const input = { sampleRate: 44_100, channels: testMix(20_000, 2, 44_100) };
      try {
        // The download tests' descriptor has the tensors but not a playable hop: same file, hop 128.
        const playable = mdxDescriptor({ id: 'test-mdx', nFft: 512, hopSize: 128, dimF: 256, dimT: 16 });
        return (await createOnnxSeparator(session, playable).separate(input)).stems;
      } finally {
        await session.release();
      }
    };
    const half = await run((await storedBytes(db, 'test-mdx'))!);
    const full = await run(MODEL);
    let worst = 0;
    for (const [name, channels] of Object.entries(full)) {
      channels.forEach((channel, c) => {
        for (let i = 0; i < channel.length; i++) worst = Math.max(worst, Math.abs(channel[i]! - half[name]![c]![i]!));
      });
    }
    // Full scale is 1; float16 keeps 11 significant bits (see shared/src/inference/fp16.test.ts).
    // (Here the mask, i/256, is exact in float16, and ORT's CPU provider computes the Mul in
    // float32 between the Cast nodes, so the stems may well be equal.)
    expect(worst).toBeLessThan(2e-3);
  });
});
