// Checking a loaded model against a descriptor, and inferring a bare model's contract from the
// tensors its file declares (read by onnxruntime-node from models built here).
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../models/builders/onnx-graph.ts';
import {
  buildHtdemucsMaskModel,
  buildMdxMaskModel,
  buildWaveformGainModel,
} from '../../../models/builders/test-models.ts';
import { createOrtSession } from '../inference/ort-session.ts';
import { htdemucsDescriptor, mdxDescriptor, waveformDescriptor } from './descriptor-presets.ts';
import { checkModel, inferDescriptor } from './model-check.ts';

function load(model: Uint8Array) {
  return createOrtSession(ortNode, model, { runtimeName: 'onnxruntime-node', executionProvider: 'cpu' });
}

const naming = { id: 'imported', name: 'imported.onnx' };

describe('inferDescriptor', () => {
  it('recognises htdemucs at its real size, with its tensor names and demucs stem order', async () => {
    const real = htdemucsDescriptor({
      names: { waveform: 'mix', spectrogram: 'spec', frequency: 'freq', time: 'wave' },
    });
    const session = await load(
      buildHtdemucsMaskModel(real, { masks: Array.from({ length: 4 }, () => new Float32Array(2048)) }),
    );
    const inferred = inferDescriptor(session, naming);
    expect(inferred).toEqual({ ...real, ...naming });
    expect(() => checkModel(session, inferred)).not.toThrow();
  });

  it('recognises a waveform model, and a 6-stem one by its stem count', async () => {
    const six = waveformDescriptor({ id: 'x', stems: ['a', 'b', 'c', 'd', 'e', 'f'], segmentLength: 44_100 });
    const inferred = inferDescriptor(await load(buildWaveformGainModel(six, [1, 1, 1, 1, 1, 1])), naming);
    expect(inferred.contract.kind).toBe('waveform');
    expect(inferred.segmentLength).toBe(44_100);
    expect(inferred.stems).toEqual(['drums', 'bass', 'other', 'vocals', 'guitar', 'piano']);
  });

  it('asks for a descriptor for MDX-Net (its n_fft and gain are not in the file) and unknown shapes', async () => {
    const mdx = mdxDescriptor({ id: 'm', nFft: 6144, dimF: 3072, dimT: 256 });
    const mdxSession = await load(buildMdxMaskModel(mdx, new Float32Array(3072)));
    expect(() => inferDescriptor(mdxSession, naming)).toThrow(
      /looks like an MDX-Net model .*"input" \[batch_size, 4, 3072, 256\].*pass a descriptor/,
    );

    const g = new GraphBuilder();
    g.node('Relu', [g.input('image', [1, 3, 224, 224])], {}, ['features']);
    g.output('features', [1, 3, 224, 224]);
    const other = await load(g.encode());
    expect(() => inferDescriptor(other, naming)).toThrow(/no known separation contract fits this model/);
  });
});

describe('checkModel', () => {
  it('accepts symbolic dims and extra outputs, refuses inputs the descriptor does not feed', () => {
    const descriptor = waveformDescriptor({ id: 'w', stems: ['a'], segmentLength: 100 });
    const model = {
      inputs: [{ name: 'input', type: 'float32', shape: ['batch', 2, 'time'] }],
      outputs: [
        { name: 'output', type: 'float32', shape: [1, 1, 2, 100] },
        { name: 'debug', type: 'float32', shape: [7] },
      ],
    };
    expect(() => checkModel(model, descriptor)).not.toThrow();
    const extraInput = { ...model, inputs: [...model.inputs, { name: 'temperature', shape: [1] }] };
    expect(() => checkModel(extraInput, descriptor)).toThrow(
      /the model's input "temperature" is not in the descriptor/,
    );
    const halfPrecision = { ...model, inputs: [{ name: 'input', type: 'float16', shape: [1, 2, 100] }] };
    expect(() => checkModel(halfPrecision, descriptor)).toThrow(
      /input "input" \(waveform\) holds float16, not float32/,
    );
    const wrongRank = { ...model, inputs: [{ name: 'input', type: 'float32', shape: [2, 100] }] };
    expect(() => checkModel(wrongRank, descriptor)).toThrow(/has rank 2 \[2, 100\], the descriptor says \[1, 2, 100\]/);
  });
});
