// MDX-Net end to end on onnxruntime-node: a fixed-mask model against UVR's STFT recipe computed
// independently (blended as demucs does), the secondary stem as mix - primary, denoise, and a
// run at a real UVR model's sizes (n_fft 6144, dim_f 3072, dim_t 256).
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildMdxMaskModel } from '../../../../models/builders/test-models.ts';
import { createOrtSession } from '../../inference/ort-session.ts';
import type { ModelDescriptor } from '../descriptor.ts';
import { mdxDescriptor } from '../descriptor-presets.ts';
import { createOnnxSeparator } from '../onnx-separator.ts';
import { sdr } from '../metrics/sdr.ts';
import { applyModel, mdxMaskModel, toStereo64 } from '../testing/reference.ts';
import { testMix } from '../testing/signals.ts';

const RATE = 44_100;

async function separatorFor(descriptor: ModelDescriptor, model: Uint8Array) {
  const session = await createOrtSession(ortNode, model, {
    runtimeName: 'onnxruntime-node',
    executionProvider: 'cpu',
    threads: 1,
  });
  return createOnnxSeparator(session, descriptor);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// n_fft 768 = 3 * 256 exercises the mixed-radix FFT the real 6144 / 7680 models need.
const small = { nFft: 768, hopSize: 256, dimF: 256, dimT: 32, compensation: 1.035 };
const mask = Float32Array.from({ length: small.dimF }, (_, f) => 0.5 + 0.5 * Math.cos(f / 20));

describe('MDX-Net separation', () => {
  it('gives the primary stem as UVR computes it and the secondary as mix - primary', async () => {
    const descriptor = mdxDescriptor({ id: 'mdx-test', ...small });
    expect(descriptor.segmentLength).toBe(256 * 31);
    const separator = await separatorFor(descriptor, buildMdxMaskModel(descriptor, mask));
    expect(separator.stems).toEqual(['vocals', 'instrumental']);
    const mix = testMix(20_000, 2, RATE);
    const { stems } = await separator.separate({ sampleRate: RATE, channels: mix });
    const [expected] = applyModel(toStereo64(mix), descriptor.segmentLength, 0.25, mdxMaskModel(mask, 768, 256, 1.035));
    for (let c = 0; c < 2; c++) {
      expect(maxAbsDiff(stems.vocals![c]!, expected![c]!)).toBeLessThan(2e-5);
      const rest = mix[c]!.map((v, i) => v - stems.vocals![c]![i]!);
      expect(maxAbsDiff(stems.instrumental![c]!, rest)).toBe(0);
    }
    // The mask is far from one, so the primary really is a part of the mix.
    expect(sdr(mix, stems.vocals!)).toBeLessThan(20);
  });

  it('with denoise runs the model on X and -X and averages f(X) and -f(-X)', async () => {
    const plain = mdxDescriptor({ id: 'mdx-plain', ...small });
    const denoised = mdxDescriptor({ id: 'mdx-denoise', ...small, denoise: true });
    const a = await separatorFor(plain, buildMdxMaskModel(plain, mask));
    const b = await separatorFor(denoised, buildMdxMaskModel(denoised, mask));
    const mix = testMix(9_000, 2, RATE);
    const one = await a.separate({ sampleRate: RATE, channels: mix }, { stems: ['vocals'] });
    const two = await b.separate({ sampleRate: RATE, channels: mix }, { stems: ['vocals'] });
    expect(b.session.stats.runs).toBe(2 * a.session.stats.runs);
    // A linear model adds nothing that depends on the sign, so both agree.
    for (let c = 0; c < 2; c++) expect(maxAbsDiff(one.stems.vocals![c]!, two.stems.vocals![c]!)).toBeLessThan(1e-6);
  });

  it('runs at a real UVR model size (n_fft 6144, dim_f 3072, dim_t 256) with an all-pass mask', async () => {
    const descriptor = mdxDescriptor({
      id: 'uvr-inst-size',
      stems: ['instrumental', 'vocals'],
      nFft: 6144,
      dimF: 3072,
      dimT: 256,
      compensation: 1.022,
    });
    expect(descriptor.segmentLength).toBe(261_120);
    const separator = await separatorFor(descriptor, buildMdxMaskModel(descriptor, new Float32Array(3072).fill(1)));
    // No 'instrumental' is derived here: the model's own primary stem has that name.
    expect(separator.stems).toEqual(['instrumental', 'vocals']);
    // Faded ends: a step would put energy in the three lowest bins, which UVR zeroes.
    const mix = testMix(44_100, 2, RATE, { edgeSilence: 2048 });
    const { stems } = await separator.separate({ sampleRate: RATE, channels: mix });
    // Everything from 21 Hz to 22 kHz passes, times the compensation.
    const scaled = mix.map((channel) => channel.map((v) => v * 1.022));
    expect(sdr(scaled, stems.instrumental!)).toBeGreaterThan(60);
    expect(
      sdr(
        mix.map((channel) => channel.map((v) => v * -0.022)),
        stems.vocals!,
      ),
    ).toBeGreaterThan(30);
  });
});
