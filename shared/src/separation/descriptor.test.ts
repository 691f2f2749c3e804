// Descriptor validation: the presets are valid, JSON round-trips, and every kind of mistake is
// reported with its path.
import { describe, expect, it } from 'vitest';
import { SfaError } from '../protocol/errors.ts';
import { descriptorProblems, validateDescriptor } from './descriptor.ts';
import { htdemucsDescriptor, mdxDescriptor, waveformDescriptor } from './descriptor-presets.ts';

describe('validateDescriptor', () => {
  it('accepts the presets, also after a JSON round trip', () => {
    for (const descriptor of [
      htdemucsDescriptor(),
      htdemucsDescriptor({ id: 'small', segmentLength: 11025, nFft: 256, stems: ['vocals', 'rest'] }),
      mdxDescriptor({ id: 'kim-vocal-2', nFft: 7680, dimF: 3072, dimT: 256, compensation: 1.035 }),
      waveformDescriptor({ id: 'wave', stems: ['a', 'b'], segmentLength: 44100 }),
    ]) {
      expect(descriptorProblems(descriptor)).toEqual([]);
      expect(validateDescriptor(JSON.parse(JSON.stringify(descriptor)))).toEqual(descriptor);
    }
    expect(htdemucsDescriptor().contract).toMatchObject({
      inputs: {
        waveform: { name: 'input', shape: [1, 2, 343980] },
        spectrogram: { name: 'x', shape: [1, 4, 2048, 336] },
      },
      outputs: {
        frequency: { name: 'output', shape: [1, 4, 4, 2048, 336] },
        time: { name: 'add_67', shape: [1, 4, 2, 343980] },
      },
    });
  });

  it('lists every problem with its path, as a model-invalid SfaError', () => {
    const bad = htdemucsDescriptor() as unknown as Record<string, unknown>;
    bad.id = 'Has Spaces';
    bad.stems = ['vocals', 'vocals', 'a', 'b'];
    bad.overlap = 1.5;
    (bad.contract as Record<string, unknown>).hopSize = 512;
    let error: unknown;
    try {
      validateDescriptor(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SfaError);
    expect((error as SfaError).code).toBe('model-invalid');
    const message = (error as SfaError).message;
    expect(message).toMatch(/^model descriptor "Has Spaces" is invalid: /);
    expect(message).toContain('id must be');
    expect(message).toContain('stems must not repeat');
    expect(message).toContain('overlap must be');
    expect(message).toContain('contract.hopSize must be nFft / 4 (1024), got 512');
  });

  it('checks shapes against the contract parameters', () => {
    const wrongShape = htdemucsDescriptor();
    wrongShape.contract.inputs.spectrogram.shape = [1, 4, 2048, 335];
    expect(descriptorProblems(wrongShape)).toEqual([
      'contract.inputs.spectrogram.shape must be [1,4,2048,336] for this contract, got [1,4,2048,335]',
    ]);

    const mdx = mdxDescriptor({ id: 'm', nFft: 6144, dimF: 4000, dimT: 256 });
    mdx.segmentLength = 1000;
    const problems = descriptorProblems(mdx);
    expect(problems).toContain('contract.dimF must be at most nFft / 2 + 1, got 4000');
    expect(problems).toContain('segmentLength must be hopSize * (dimT - 1) = 261120 for an mdx model, got 1000');

    expect(
      descriptorProblems({
        ...waveformDescriptor({ id: 'w', stems: ['a'], segmentLength: 100 }),
        contract: { kind: 'magic' },
      }),
    ).toEqual(["contract.kind must be 'htdemucs', 'mdx' or 'waveform', got \"magic\""]);
    expect(descriptorProblems(null)).toEqual(['a model descriptor must be an object, got null']);
    const extra = waveformDescriptor({ id: 'w', stems: ['a'], segmentLength: 100 });
    (extra.contract.inputs as Record<string, unknown>).mask = { name: 'm', shape: [1] };
    expect(descriptorProblems(extra)).toEqual(['contract.inputs.mask is not part of this contract']);
  });
});
