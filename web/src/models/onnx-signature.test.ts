// The signature reader against models built with onnx-proto (the encoder the ONNX project's own
// JS tooling uses), so the reader is checked by an independent writer of the same format.
import { describe, expect, it } from 'vitest';
import { SfaError } from '@sfa/shared/protocol/errors';
import { htdemucsDescriptor, mdxDescriptor, waveformDescriptor } from '@sfa/shared/separation/descriptor-presets';
import { checkModel } from '@sfa/shared/separation/model-check';
import {
  bandMasks,
  buildHtdemucsMaskModel,
  buildMdxMaskModel,
  buildWaveformGainModel,
} from '../../../models/builders/test-models.ts';
import { readOnnxSignature } from './onnx-signature.ts';

describe('readOnnxSignature', () => {
  it('reads an htdemucs-contract model: two inputs, two outputs, fixed shapes', () => {
    const descriptor = htdemucsDescriptor({ segmentLength: 44_100, stems: ['vocals', 'drums', 'bass', 'other'] });
    const bytes = buildHtdemucsMaskModel(descriptor, { masks: bandMasks(2048, [0, 100, 500, 1000, 2048]) });
    const signature = readOnnxSignature(bytes);
    expect(signature).toEqual({
      inputs: [
        { name: 'input', type: 'float32', shape: [1, 2, 44_100] },
        { name: 'x', type: 'float32', shape: [1, 4, 2048, 44] },
      ],
      outputs: [
        { name: 'output', type: 'float32', shape: [1, 4, 4, 2048, 44] },
        { name: 'add_67', type: 'float32', shape: [1, 4, 2, 44_100] },
      ],
    });
    expect(() => checkModel(signature, descriptor)).not.toThrow();
  });

  it("reads UVR's symbolic batch dimension by name", () => {
    const descriptor = mdxDescriptor({ id: 'mdx', nFft: 6144, dimF: 3072, dimT: 256 });
    const signature = readOnnxSignature(buildMdxMaskModel(descriptor, new Float32Array(3072).fill(0.5)));
    expect(signature.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['batch_size', 4, 3072, 256] }]);
    expect(signature.outputs).toEqual([{ name: 'output', type: 'float32', shape: ['batch_size', 4, 3072, 256] }]);
    expect(() => checkModel(signature, descriptor)).not.toThrow();
    // A descriptor with another dim_t is told apart from the file alone.
    const other = mdxDescriptor({ id: 'mdx', nFft: 6144, dimF: 3072, dimT: 128 });
    expect(() => checkModel(signature, other)).toThrow(/axis 3/);
  });

  it('reads a waveform model with renamed tensors', () => {
    const descriptor = waveformDescriptor({
      id: 'w',
      stems: ['a', 'b'],
      segmentLength: 1024,
      names: { input: 'mix', output: 'stems' },
    });
    const signature = readOnnxSignature(buildWaveformGainModel(descriptor, [0.5, 0.5]));
    expect(signature.inputs.map((v) => v.name)).toEqual(['mix']);
    expect(signature.outputs).toEqual([{ name: 'stems', type: 'float32', shape: [1, 2, 2, 1024] }]);
  });

  it('refuses what is not an ONNX model', () => {
    for (const bytes of [
      new TextEncoder().encode('ID3 this is an mp3, honestly'),
      new Uint8Array(0),
      new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0x0f]),
    ]) {
      let error: unknown;
      try {
        readOnnxSignature(bytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SfaError);
      expect((error as SfaError).code).toBe('model-invalid');
      expect((error as SfaError).message).toMatch(/not an ONNX model/);
    }
  });

  it('refuses a model cut short', () => {
    const bytes = buildMdxMaskModel(
      mdxDescriptor({ id: 'mdx', nFft: 512, dimF: 256, dimT: 16 }),
      new Float32Array(256).fill(1),
    );
    expect(() => readOnnxSignature(bytes.subarray(0, bytes.length - 40))).toThrow(/not an ONNX model/);
  });
});
