// Importing a local model: ids from file names, the form filled in from the file, and the
// descriptor checked against the form's rules and the file's tensors.
import { describe, expect, it } from 'vitest';
import { SfaError } from '@sfa/shared/protocol/errors';
import { htdemucsDescriptor, mdxDescriptor, waveformDescriptor } from '@sfa/shared/separation/descriptor-presets';
import {
  bandMasks,
  buildHtdemucsMaskModel,
  buildMdxMaskModel,
  buildWaveformGainModel,
} from '../../../models/builders/test-models.ts';
import { BUILT_IN_CATALOGUE } from './catalogue.ts';
import { descriptorFromForm, idFromFileName, importedRecord, readModelFile, suggestForm } from './import.ts';
import { readOnnxSignature } from './onnx-signature.ts';

const catalogue = BUILT_IN_CATALOGUE.models;
const mdx = (dimF: number, dimT: number) =>
  buildMdxMaskModel(mdxDescriptor({ id: 'm', nFft: 7680, dimF, dimT }), new Float32Array(dimF).fill(1));

function thrown(work: () => unknown): SfaError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(SfaError);
    return error as SfaError;
  }
  throw new Error('expected an error');
}

describe('idFromFileName', () => {
  it('makes a valid, unique id from any file name', () => {
    expect(idFromFileName('Kim_Vocal_2.onnx', new Set())).toBe('kim_vocal_2');
    expect(idFromFileName('UVR-MDX-NET Inst HQ 3.ONNX', new Set())).toBe('uvr-mdx-net-inst-hq-3');
    expect(idFromFileName('Kim_Vocal_2.onnx', new Set(['kim_vocal_2', 'kim_vocal_2-2']))).toBe('kim_vocal_2-3');
    expect(idFromFileName('__Ünïcode!!.onnx', new Set())).toBe('unicode');
    expect(idFromFileName('.onnx', new Set())).toBe('model');
    expect(idFromFileName(`${'x'.repeat(200)}.onnx`, new Set())).toHaveLength(56);
  });
});

describe('suggestForm', () => {
  it('takes a catalogue entry published under the same file name when its tensors match', () => {
    const signature = readOnnxSignature(mdx(3072, 256));
    const { form, note } = suggestForm('Kim_Vocal_2.onnx', signature, catalogue);
    expect(form).toMatchObject({ kind: 'mdx', nFft: 7680, dimF: 3072, dimT: 256, compensation: 1.009 });
    expect(form).toMatchObject({ primaryStem: 'vocals', secondaryStem: 'instrumental' });
    expect(note).toMatch(/catalogue's “Kim Vocal 2/);
  });

  it('fills an unknown MDX-Net in from its tensors and says what the file does not tell', () => {
    const { form, note } = suggestForm('my_model.onnx', readOnnxSignature(mdx(2048, 128)), catalogue);
    expect(form).toMatchObject({ kind: 'mdx', dimF: 2048, dimT: 128, name: 'my_model' });
    expect(form.names).toMatchObject({ input: 'input', output: 'output' });
    expect(note).toMatch(/n_fft, compensation and primary stem are not in it/);
    expect(note).toContain('"input" [batch_size, 4, 2048, 128]');
  });

  it('fills htdemucs and waveform models in completely', () => {
    const ht = htdemucsDescriptor({ segmentLength: 44_100 });
    const htForm = suggestForm(
      'ht.onnx',
      readOnnxSignature(buildHtdemucsMaskModel(ht, { masks: bandMasks(2048, [0, 1, 2, 3, 2048]) })),
      [],
    );
    expect(htForm.form).toMatchObject({
      kind: 'htdemucs',
      segmentLength: 44_100,
      nFft: 4096,
      stems: 'drums, bass, other, vocals',
    });
    const wave = waveformDescriptor({
      id: 'w',
      stems: ['a', 'b'],
      segmentLength: 2048,
      names: { input: 'mix', output: 'stems' },
    });
    const waveForm = suggestForm('w.onnx', readOnnxSignature(buildWaveformGainModel(wave, [1, 1])), []);
    expect(waveForm.form).toMatchObject({
      kind: 'waveform',
      segmentLength: 2048,
      names: { input: 'mix', output: 'stems' },
    });
  });
});

describe('descriptorFromForm and importedRecord', () => {
  it('builds a checked descriptor, and says everything wrong with a bad form', () => {
    const { form } = suggestForm('m.onnx', readOnnxSignature(mdx(3072, 256)), []);
    expect(descriptorFromForm(form, 'm').contract).toMatchObject({ kind: 'mdx', dimF: 3072, dimT: 256 });
    const error = thrown(() => descriptorFromForm({ ...form, dimF: 5000, compensation: 0, primaryStem: '' }, 'm'));
    expect(error.code).toBe('model-invalid');
    expect(error.message).toMatch(/dimF must be at most/);
    expect(error.message).toMatch(/compensation must be a positive number/);
    expect(error.message).toMatch(/stems/);
  });

  it('stores a file whose tensors fit the form, and refuses one that does not', async () => {
    const bytes = mdx(3072, 256);
    const file = new File([bytes.slice()], 'Kim_Vocal_2.onnx');
    const read = await readModelFile(file);
    const { form } = suggestForm(file.name, read.signature, catalogue);
    const record = importedRecord(file, read, form, new Set(['kim_vocal_2']));
    expect(record).toMatchObject({
      id: 'kim_vocal_2-2',
      source: 'local',
      verification: 'local',
      byteSize: bytes.length,
    });
    expect(record.sha256).toMatch(/^[0-9a-f]{64}$/);
    const mismatch = thrown(() => importedRecord(file, read, { ...form, dimT: 512 }, new Set()));
    expect(mismatch.code).toBe('model-mismatch');
  });

  it('refuses an empty or non-ONNX file', async () => {
    await expect(readModelFile(new File([], 'empty.onnx'))).rejects.toMatchObject({ code: 'empty-file' });
    await expect(readModelFile(new File(['hello'], 'not.onnx'))).rejects.toMatchObject({ code: 'model-invalid' });
  });
});
