// The same engine on both runtimes: each contract's test model separated on onnxruntime-node
// (CPU) and on onnxruntime-web's WASM backend in Node, stems compared sample by sample.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import {
  bandMasks,
  buildHtdemucsMaskModel,
  buildMdxMaskModel,
  buildWaveformGainModel,
} from '../../../models/builders/test-models.ts';
import type { ModelDescriptor } from '../separation/descriptor.ts';
import { htdemucsDescriptor, mdxDescriptor, waveformDescriptor } from '../separation/descriptor-presets.ts';
import { createOnnxSeparator } from '../separation/onnx-separator.ts';
import { testMix } from '../separation/testing/signals.ts';
import { createOrtSession } from './ort-session.ts';

// One thread: the test compares numbers, not speed, and CI has two cores shared with vitest.
ortWeb.env.wasm.numThreads = 1;

/** Largest difference between the runtimes' stems allowed: float32 rounding of one kernel vs another. */
const TOLERANCE = 1e-5;

const cases: [string, ModelDescriptor, (d: ModelDescriptor) => Uint8Array][] = [
  [
    'htdemucs',
    htdemucsDescriptor({ id: 'ht', segmentLength: 11_025, nFft: 256 }),
    (d) => buildHtdemucsMaskModel(d, { masks: bandMasks(128, [0, 6, 20, 60, 128]), timeGains: [0.1, 0.2, 0, 0.3] }),
  ],
  [
    'mdx',
    mdxDescriptor({ id: 'mdx', nFft: 768, hopSize: 256, dimF: 256, dimT: 32, compensation: 1.03, denoise: true }),
    (d) =>
      buildMdxMaskModel(
        d,
        Float32Array.from({ length: 256 }, (_, f) => 0.5 + 0.5 * Math.sin(f / 9)),
      ),
  ],
  [
    'waveform',
    waveformDescriptor({ id: 'wave', stems: ['vocals', 'other'], segmentLength: 8_000 }),
    (d) => buildWaveformGainModel(d, [0.7, 0.3]),
  ],
];

describe('onnxruntime-node and onnxruntime-web (WASM) give the same stems', () => {
  for (const [label, descriptor, build] of cases) {
    it(label, async () => {
      const model = build(descriptor);
      const node = await createOrtSession(ortNode, model, {
        runtimeName: 'onnxruntime-node',
        executionProvider: 'cpu',
      });
      const web = await createOrtSession(ortWeb, model, { runtimeName: 'onnxruntime-web', executionProvider: 'wasm' });
      expect(web.backend).toBe('onnxruntime-web/wasm');
      const input = { sampleRate: 44_100, channels: testMix(30_000, 2, 44_100) };
      const a = await createOnnxSeparator(node, descriptor).separate(input);
      const b = await createOnnxSeparator(web, descriptor).separate(input);
      expect(Object.keys(b.stems)).toEqual(Object.keys(a.stems));
      let worst = 0;
      for (const name of Object.keys(a.stems)) {
        a.stems[name]!.forEach((channel, c) => {
          for (let i = 0; i < channel.length; i++)
            worst = Math.max(worst, Math.abs(channel[i]! - b.stems[name]![c]![i]!));
        });
      }
      expect(worst).toBeLessThan(TOLERANCE);
      await Promise.all([node.release(), web.release()]);
    });
  }
});
