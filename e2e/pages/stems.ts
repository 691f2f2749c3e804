// Reading what the app stored for a separation, straight from its IndexedDB in the page, and
// the same separation computed in Node with the shared engine, so specs compare the two.
import type { Page } from '@playwright/test';
import * as ortNode from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { decodeAudio } from '../../shared/src/audio/decode.ts';
import { createOrtSession } from '../../shared/src/inference/ort-session.ts';
import type { ModelDescriptor } from '../../shared/src/separation/descriptor.ts';
import { createOnnxSeparator } from '../../shared/src/separation/onnx-separator.ts';
import { createQuickSeparator } from '../../shared/src/separation/quick/quick.ts';
import type { SeparationResult, StemName } from '../../shared/src/separation/types.ts';

export type Stems = Record<StemName, Float32Array[]>;

/** The stems job `jobId` stored, joined from its chunks (read in the page, sent as base64). */
export async function storedStems(page: Page, jobId: string): Promise<Stems> {
  const encoded = await page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const chunks = await new Promise<{ startFrame: number; stems: Record<string, Float32Array[]> }[]>(
      (resolve, reject) => {
        const request = db
          .transaction('stemChunks')
          .objectStore('stemChunks')
          .getAll(IDBKeyRange.bound([id, 0], [id, Infinity]));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      },
    );
    db.close();
    const base64 = (samples: Float32Array) => {
      const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    };
    const result: Record<string, string[][]> = {};
    for (const chunk of chunks) {
      for (const [stem, channels] of Object.entries(chunk.stems)) {
        result[stem] ??= channels.map(() => []);
        channels.forEach((samples, c) => result[stem]![c]!.push(base64(samples)));
      }
    }
    return result;
  }, jobId);
  const stems = {} as Stems;
  for (const [stem, channels] of Object.entries(encoded)) {
    stems[stem] = channels.map((parts) => {
      const buffers = parts.map((part) => Buffer.from(part, 'base64'));
      const joined = Buffer.concat(buffers);
      return new Float32Array(joined.buffer, joined.byteOffset, joined.byteLength / 4).slice();
    });
  }
  return stems;
}

/** How many chunks of stems the app has stored, over every job. */
export function storedChunkCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open('sound-forge-alchemy');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const count = request.result.transaction('stemChunks').objectStore('stemChunks').count();
          count.onsuccess = () => {
            resolve(count.result);
            request.result.close();
          };
        };
      }),
  );
}

/** The id of the newest finished stem set of the track on screen. */
export async function newestStemSetId(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const sets = await new Promise<{ id: string; createdAt: number }[]>((resolve, reject) => {
      const request = db.transaction('stemSets').objectStore('stemSets').getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return sets.sort((a, b) => b.createdAt - a.createdAt)[0]!.id;
  });
}

/** The same separation in Node: the file decoded by the shared decoders, the model on onnxruntime-node. */
export async function nodeSeparation(
  file: string,
  stems: StemName[],
  model?: { descriptor: ModelDescriptor; bytes: Uint8Array },
): Promise<SeparationResult> {
  const decoded = await decodeAudio(new Uint8Array(await readFile(file)));
  const input = { sampleRate: decoded.sampleRate, channels: decoded.channels };
  if (!model) return createQuickSeparator().separate(input, { stems });
  const session = await createOrtSession(ortNode, model.bytes, {
    runtimeName: 'onnxruntime-node',
    executionProvider: 'cpu',
    threads: 1,
  });
  try {
    return await createOnnxSeparator(session, model.descriptor).separate(input, { stems });
  } finally {
    await session.release();
  }
}

/** Largest absolute difference between two sets of stems, over every stem and channel. */
export function maxStemDifference(actual: Stems, expected: Stems): number {
  let worst = 0;
  for (const [stem, channels] of Object.entries(expected)) {
    channels.forEach((samples, c) => {
      const got = actual[stem]?.[c];
      if (!got || got.length !== samples.length) {
        throw new Error(`stem ${stem} channel ${c}: ${got?.length ?? 'no'} samples, expected ${samples.length}`);
      }
      for (let i = 0; i < samples.length; i++) worst = Math.max(worst, Math.abs(got[i]! - samples[i]!));
    });
  }
  return worst;
}
