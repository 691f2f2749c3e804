// A local model server for tests and benchmarks: serves ONNX models built here with the real
// contracts' tensors (models/builders) and a catalogue.json listing them, as a catalogue's host
// would: Range requests (206, 416), a strong ETag and Last-Modified, If-Range, CORS for a page on
// another origin, throttling to a set speed, and fault injection (cut a response after N bytes).
// A model may come with an fp16 file too (listed as the entry's `fp16`). Every request is logged,
// so a test can assert what the app asked for.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import onnxProto from 'onnx-proto';
import type { ModelDescriptor } from '../shared/src/separation/descriptor.ts';
import { htdemucsDescriptor, mdxDescriptor } from '../shared/src/separation/descriptor-presets.ts';
import { bandMasks, buildHtdemucsMaskModel, buildMdxMaskModel } from '../models/builders/test-models.ts';

/** One model the server offers. */
export interface ServedModel {
  descriptor: ModelDescriptor;
  bytes: Uint8Array;
  /** Its half-precision file, served at models/<id>.fp16.onnx and listed as the entry's `fp16`. */
  fp16?: Uint8Array;
  /** What the catalogue says about it (default: its real SHA-256, verified). */
  listing?: { sha256?: string | null; checksumVerified?: boolean; licence?: string; notes?: string };
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  ifRange?: string;
  origin?: string;
  status: number;
}

export interface ModelServerOptions {
  /** Models to serve; default `defaultTestModels()`. */
  models?: ServedModel[];
  /** Bytes per second for model bodies; default unthrottled. Change later with `throttle()`. */
  bytesPerSec?: number;
  /** Catalogue name (default "Test models"). */
  name?: string;
}

export interface ModelServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** The catalogue's URL (`${url}/catalogue.json`); model URLs in it are relative to it. */
  catalogueUrl: string;
  /** Descriptors of the served models, by id. */
  descriptors: Record<string, ModelDescriptor>;
  /** The exact bytes served for a model's file (default its fp32 one). */
  modelBytes(id: string, precision?: Precision): Uint8Array;
  /** Hex SHA-256 of a model file's bytes. */
  sha256(id: string, precision?: Precision): string;
  /** A model file's URL. */
  modelUrl(id: string, precision?: Precision): string;
  /** Every request so far, oldest first (OPTIONS preflights included). */
  requests: LoggedRequest[];
  /** Requests for one model's file (GET and HEAD; default its fp32 file). */
  modelRequests(id: string, precision?: Precision): LoggedRequest[];
  /** Sets (or with undefined lifts) the speed limit for model bodies, bytes per second. */
  throttle(bytesPerSec: number | undefined): void;
  /** The next GET of `id`'s fp32 file is cut (connection destroyed) after `afterBytes` bytes of its body. */
  cutNext(id: string, afterBytes: number): void;
  close(): Promise<void>;
}

const { onnx } = onnxProto;

type Precision = 'fp32' | 'fp16';

/** A model file's path on the server. */
function modelPath(id: string, precision: Precision = 'fp32'): string {
  return `/models/${id}${precision === 'fp16' ? '.fp16' : ''}.onnx`;
}

/**
 * `bytes` with an unused float initialiser appended so the file has about `targetBytes`: a model
 * big enough that download progress is visible, with the same tensors and behaviour.
 */
export function padModel(bytes: Uint8Array, targetBytes: number): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const floats = Math.max(0, Math.floor((targetBytes - bytes.length) / 4));
  const data = new Float32Array(floats);
  // Not zeros: a compressing proxy or disk would make the size meaningless.
  for (let i = 0; i < floats; i++) data[i] = Math.sin(i * 12.9898) * 43758.5453;
  model.graph!.initializer!.push({
    name: 'sfa_padding',
    dims: [floats],
    dataType: 1,
    rawData: new Uint8Array(data.buffer),
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The default set: an htdemucs-contract model (band masks; padded to `bigBytes`, default 24 MB,
 * so progress shows under a throttle), an MDX-Net with UVR's shapes (and an fp16 file of it), and
 * two listings of the MDX bytes: one with a wrong (but "verified") checksum, one with none.
 */
export function defaultTestModels({ bigBytes = 24 * 1024 * 1024 }: { bigBytes?: number } = {}): ServedModel[] {
  const htdemucs = htdemucsDescriptor({ id: 'test-htdemucs', name: 'Test htdemucs (band masks)' });
  const htdemucsBytes = padModel(
    buildHtdemucsMaskModel(htdemucs, { masks: bandMasks(2048, [0, 40, 200, 700, 2048]) }),
    bigBytes,
  );
  const mdx = (id: string, name: string) =>
    mdxDescriptor({
      id,
      name,
      nFft: 6144,
      dimF: 3072,
      dimT: 256,
      compensation: 1.022,
      stems: ['vocals', 'instrumental'],
    });
  const mask = Float32Array.from({ length: 3072 }, (_, bin) => (bin < 400 ? 1 : 0.2));
  const mdxBytes = (id: string, name: string) => buildMdxMaskModel(mdx(id, name), mask);
  return [
    { descriptor: htdemucs, bytes: htdemucsBytes },
    {
      descriptor: mdx('test-mdx', 'Test MDX-Net (mask)'),
      bytes: mdxBytes('test-mdx', 'Test MDX-Net (mask)'),
      fp16: buildMdxMaskModel(mdx('test-mdx', 'Test MDX-Net (mask)'), mask, { precision: 'fp16' }),
    },
    {
      descriptor: mdx('test-bad-checksum', 'Test model with a wrong checksum'),
      bytes: mdxBytes('test-bad-checksum', ''),
      listing: { sha256: '0'.repeat(64), checksumVerified: true },
    },
    {
      descriptor: mdx('test-unverified', 'Test model without a checksum'),
      bytes: mdxBytes('test-unverified', ''),
      listing: { sha256: null, checksumVerified: false },
    },
  ];
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, ETag, Last-Modified, Accept-Ranges',
  // The app is cross-origin isolated (COEP require-corp); CORS suffices, this says it plainly.
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

/** Starts the server on 127.0.0.1 on a free port. */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const served = options.models ?? defaultTestModels();
  // Every file by its path: each model's fp32 file, and its fp16 one where it has one.
  const files = new Map<string, { bytes: Uint8Array; sha256: string }>();
  for (const { descriptor, bytes, fp16 } of served) {
    files.set(modelPath(descriptor.id), { bytes, sha256: sha256Of(bytes) });
    if (fp16) files.set(modelPath(descriptor.id, 'fp16'), { bytes: fp16, sha256: sha256Of(fp16) });
  }
  const file = (id: string, precision: Precision = 'fp32') => {
    const found = files.get(modelPath(id, precision));
    if (!found) throw new Error(`no served ${precision} file of ${id}`);
    return found;
  };
  // One fixed modification time, so Last-Modified validates like the ETag.
  const lastModified = new Date(Date.UTC(2025, 0, 1)).toUTCString();
  const requests: LoggedRequest[] = [];
  const cuts = new Map<string, number>();
  let bytesPerSec = options.bytesPerSec;

  const catalogue = () => ({
    format: 1,
    name: options.name ?? 'Test models',
    models: served.map(({ descriptor, bytes, fp16, listing = {} }) => ({
      ...descriptor,
      url: modelPath(descriptor.id).slice(1),
      bytes: bytes.length,
      sha256: listing.sha256 === undefined ? file(descriptor.id).sha256 : listing.sha256,
      checksumVerified: listing.checksumVerified ?? true,
      ...(fp16
        ? {
            fp16: {
              url: modelPath(descriptor.id, 'fp16').slice(1),
              bytes: fp16.length,
              sha256: file(descriptor.id, 'fp16').sha256,
              checksumVerified: true,
            },
          }
        : {}),
      licence: listing.licence ?? 'MIT',
      licenceUrl: 'https://opensource.org/license/mit',
      notes: listing.notes ?? 'Built by the tests (models/builders); not a real separation model.',
    })),
  });

  const send = async (request: IncomingMessage, response: ServerResponse, log: LoggedRequest, path: string) => {
    const model = files.get(path)!;
    const total = model.bytes.length;
    const etag = `"${model.sha256.slice(0, 32)}"`;
    const ifRange = request.headers['if-range'];
    const rangeOk = ifRange === undefined || ifRange === etag || ifRange === lastModified;
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    const headers = { ...CORS, ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes' };
    let start = 0;
    let end = total - 1;
    if (range && rangeOk) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), total - 1) : total - 1;
      if (start >= total || start > end) {
        log.status = 416;
        response.writeHead(416, { ...headers, 'Content-Range': `bytes */${total}` });
        response.end();
        return;
      }
      log.status = 206;
      response.writeHead(206, {
        ...headers,
        'Content-Type': 'application/octet-stream',
        'Content-Length': end - start + 1,
        'Content-Range': `bytes ${start}-${end}/${total}`,
      });
    } else {
      log.status = 200;
      response.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': total });
    }
    if (request.method === 'HEAD') return void response.end();

    const cutAfter = cuts.get(path);
    cuts.delete(path);
    const body = model.bytes.subarray(start, end + 1);
    const chunkBytes = 16 * 1024;
    const began = Date.now();
    let sent = 0;
    while (sent < body.length) {
      if (response.destroyed) return;
      let size = Math.min(chunkBytes, body.length - sent);
      if (cutAfter !== undefined) size = Math.min(size, cutAfter - sent);
      if (size <= 0) {
        // Fault injection: the connection drops mid-body, as a flaky network does.
        response.socket?.destroy();
        return;
      }
      const flushed = response.write(body.subarray(sent, sent + size));
      sent += size;
      if (!flushed) await new Promise((resolve) => response.once('drain', resolve));
      if (bytesPerSec) {
        const due = began + (sent / bytesPerSec) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    if (cutAfter !== undefined && cutAfter <= sent) return void response.socket?.destroy();
    response.end();
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const log: LoggedRequest = {
      method: request.method ?? 'GET',
      path,
      range: request.headers.range,
      ifRange: request.headers['if-range'] as string | undefined,
      origin: request.headers.origin,
      status: 0,
    };
    requests.push(log);
    if (request.method === 'OPTIONS') {
      log.status = 204;
      response.writeHead(204, {
        ...CORS,
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': request.headers['access-control-request-headers'] ?? 'Range, If-Range',
        'Access-Control-Max-Age': '600',
      });
      return void response.end();
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      log.status = 405;
      response.writeHead(405, CORS);
      return void response.end();
    }
    if (path === '/catalogue.json') {
      log.status = 200;
      response.writeHead(200, { ...CORS, 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
      return void response.end(JSON.stringify(catalogue(), null, 2));
    }
    if (files.has(path)) {
      send(request, response, log, path).catch(() => response.destroy());
      return;
    }
    log.status = 404;
    response.writeHead(404, CORS);
    response.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    catalogueUrl: `${url}/catalogue.json`,
    descriptors: Object.fromEntries(served.map((model) => [model.descriptor.id, model.descriptor])),
    modelBytes: (id, precision) => file(id, precision).bytes,
    sha256: (id, precision) => files.get(modelPath(id, precision))?.sha256 ?? '',
    modelUrl: (id, precision) => `${url}${modelPath(id, precision)}`,
    requests,
    modelRequests: (id, precision) =>
      requests.filter((r) => r.path === modelPath(id, precision) && (r.method === 'GET' || r.method === 'HEAD')),
    throttle: (limit) => {
      bytesPerSec = limit;
    },
    cutNext: (id, afterBytes) => {
      cuts.set(modelPath(id), afterBytes);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
