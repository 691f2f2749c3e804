// Importing a local .onnx file (UVR users keep folders of them): the form that describes its
// contract, filled in from what the file itself says, turned into a checked descriptor, and the
// record stored for it. No DOM: ModelImportForm.svelte and the state class use it.
import { sha256Hex } from '@sfa/shared/library/content-hash';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { CatalogueEntry } from '@sfa/shared/separation/catalogue';
import { validateDescriptor, type ContractKind, type ModelDescriptor } from '@sfa/shared/separation/descriptor';
import {
  HTDEMUCS_SEGMENT,
  HTDEMUCS_STEMS,
  htdemucsDescriptor,
  mdxDescriptor,
  waveformDescriptor,
} from '@sfa/shared/separation/descriptor-presets';
import { checkModel, describeValues, inferDescriptor } from '@sfa/shared/separation/model-check';
import type { ModelRecord } from '../storage/db.ts';
import { readOnnxSignature, type OnnxSignature } from './onnx-signature.ts';

/** What the import form asks; the fields a kind does not use are ignored. */
export interface ImportForm {
  name: string;
  kind: ContractKind;
  sampleRate: number;
  /** htdemucs, waveform: samples per run. (mdx: hopSize * (dimT - 1), derived.) */
  segmentLength: number;
  /** htdemucs, waveform: stems in output order, comma-separated. */
  stems: string;
  /** htdemucs, mdx. */
  nFft: number;
  /** mdx (htdemucs: nFft / 4). */
  hopSize: number;
  dimF: number;
  dimT: number;
  compensation: number;
  denoise: boolean;
  primaryStem: string;
  secondaryStem: string;
  /** Tensor names: htdemucs uses the first four, mdx and waveform `input` and `output`. */
  names: { waveform: string; spectrogram: string; frequency: string; time: string; input: string; output: string };
}

/** A new form with UVR's usual MDX-Net settings and the public htdemucs export's names. */
export function defaultForm(fileName: string): ImportForm {
  return {
    name: fileName.replace(/\.onnx$/i, ''),
    kind: 'mdx',
    sampleRate: 44_100,
    segmentLength: HTDEMUCS_SEGMENT,
    stems: HTDEMUCS_STEMS.join(', '),
    nFft: 6144,
    hopSize: 1024,
    dimF: 3072,
    dimT: 256,
    compensation: 1.035,
    denoise: false,
    primaryStem: 'vocals',
    secondaryStem: 'instrumental',
    names: {
      waveform: 'input',
      spectrogram: 'x',
      frequency: 'output',
      time: 'add_67',
      input: 'input',
      output: 'output',
    },
  };
}

function stemList(text: string): string[] {
  return text
    .split(',')
    .map((stem) => stem.trim())
    .filter(Boolean);
}

/** The descriptor the form describes, checked; throws `model-invalid` listing every problem. */
export function descriptorFromForm(form: ImportForm, id: string): ModelDescriptor {
  const name = form.name.trim() || id;
  switch (form.kind) {
    case 'htdemucs':
      return validateDescriptor(
        htdemucsDescriptor({
          id,
          name,
          stems: stemList(form.stems),
          sampleRate: form.sampleRate,
          segmentLength: form.segmentLength,
          nFft: form.nFft,
          names: form.names,
        }),
      );
    case 'mdx':
      return validateDescriptor(
        mdxDescriptor({
          id,
          name,
          stems: [form.primaryStem.trim(), form.secondaryStem.trim()],
          sampleRate: form.sampleRate,
          nFft: form.nFft,
          hopSize: form.hopSize,
          dimF: form.dimF,
          dimT: form.dimT,
          compensation: form.compensation,
          denoise: form.denoise,
          names: { input: form.names.input, output: form.names.output },
        }),
      );
    case 'waveform':
      return validateDescriptor(
        waveformDescriptor({
          id,
          name,
          stems: stemList(form.stems),
          sampleRate: form.sampleRate,
          segmentLength: form.segmentLength,
          names: { input: form.names.input, output: form.names.output },
        }),
      );
  }
}

/** The form for a known descriptor (a catalogue entry, or one inferred from the file). */
function formOf(descriptor: ModelDescriptor, base: ImportForm): ImportForm {
  const form: ImportForm = {
    ...base,
    name: descriptor.name,
    kind: descriptor.contract.kind,
    sampleRate: descriptor.sampleRate,
    segmentLength: descriptor.segmentLength,
    stems: descriptor.stems.join(', '),
    names: { ...base.names },
  };
  const contract = descriptor.contract;
  if (contract.kind === 'htdemucs') {
    form.nFft = contract.nFft;
    form.names.waveform = contract.inputs.waveform.name;
    form.names.spectrogram = contract.inputs.spectrogram.name;
    form.names.frequency = contract.outputs.frequency.name;
    form.names.time = contract.outputs.time.name;
  } else if (contract.kind === 'mdx') {
    Object.assign(form, {
      nFft: contract.nFft,
      hopSize: contract.hopSize,
      dimF: contract.dimF,
      dimT: contract.dimT,
      compensation: contract.compensation,
      denoise: contract.denoise,
      primaryStem: descriptor.stems[0],
      secondaryStem: descriptor.stems[1],
    });
    form.names.input = contract.inputs.spectrogram.name;
    form.names.output = contract.outputs.spectrogram.name;
  } else {
    form.names.input = contract.inputs.waveform.name;
    form.names.output = contract.outputs.stems.name;
  }
  return form;
}

/** The file part of a URL's path, lower-cased ("Kim_Vocal_2.onnx" -> "kim_vocal_2.onnx"). */
function baseName(path: string): string {
  return decodeURIComponent(path.split(/[/\\]/).pop() ?? '').toLowerCase();
}

/**
 * The form filled in from what is known about the file: a catalogue entry published under the
 * same file name (whose tensors match), else the contract its tensors imply (htdemucs and
 * waveform models say everything; an MDX-Net says its dim_f, dim_t and names, not its n_fft,
 * gain or stem). `note` tells the user which, in words.
 */
export function suggestForm(
  fileName: string,
  signature: OnnxSignature,
  catalogue: readonly CatalogueEntry[],
): { form: ImportForm; note: string } {
  const base = defaultForm(fileName);
  const seen = `The file's inputs: ${describeValues(signature.inputs)}; outputs: ${describeValues(signature.outputs)}.`;
  const listed = catalogue.find((entry) => baseName(new URL(entry.url).pathname) === baseName(fileName));
  if (listed) {
    try {
      checkModel(signature, listed);
      return {
        form: formOf(listed, base),
        note: `${seen} Settings from the catalogue's “${listed.name}”, published as the same file name.`,
      };
    } catch {
      // Same name, another model: fall through to what the tensors say.
    }
  }
  try {
    const inferred = inferDescriptor(signature, { id: 'import', name: base.name });
    return { form: { ...formOf(inferred, base), name: base.name }, note: `${seen} Filled in from the file.` };
  } catch {
    // Not htdemucs or waveform.
  }
  const input = signature.inputs[0];
  const output = signature.outputs[0];
  const shape = input?.shape;
  if (signature.inputs.length === 1 && input && output && shape?.length === 4 && shape[1] === 4) {
    const form = { ...base, names: { ...base.names, input: input.name, output: output.name } };
    if (typeof shape[2] === 'number') form.dimF = shape[2];
    if (typeof shape[3] === 'number') form.dimT = shape[3];
    return {
      form,
      note:
        `${seen} An MDX-Net model: dim_f, dim_t and the tensor names come from the file; its n_fft, ` +
        'compensation and primary stem are not in it: take them from where you got the model (UVR lists them per model).',
    };
  }
  return { form: base, note: `${seen} No known contract fits these tensors; describe it below.` };
}

/**
 * An id for an imported file, from its name ("Kim_Vocal_2.onnx" -> "kim_vocal_2"), made unique
 * against `taken` with a numeric suffix.
 */
export function idFromFileName(fileName: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const stem =
    fileName
      .replace(/\.onnx$/i, '')
      // "Ü" -> "U": accents dropped rather than the letters.
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 56)
      .replace(/[-.]+$/, '') || 'model';
  if (!used.has(stem)) return stem;
  for (let n = 2; ; n++) if (!used.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

/** A picked file, read once: its bytes' signature and hash. Throws `model-invalid` for a non-ONNX file. */
export async function readModelFile(file: File): Promise<{ signature: OnnxSignature; sha256: string }> {
  if (file.size === 0) throw new SfaError('empty-file', `“${file.name}” is empty`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  return { signature: readOnnxSignature(bytes), sha256: await sha256Hex(bytes) };
}

/**
 * The record to store for an imported file, its descriptor checked against the form's rules and
 * against the file's own tensors. Throws `model-invalid` or `model-mismatch` naming every problem.
 */
export function importedRecord(
  file: File,
  read: { signature: OnnxSignature; sha256: string },
  form: ImportForm,
  taken: Iterable<string>,
): ModelRecord {
  const id = idFromFileName(file.name, taken);
  const descriptor = descriptorFromForm(form, id);
  checkModel(read.signature, descriptor);
  return {
    id,
    descriptor,
    source: 'local',
    blob: file,
    byteSize: file.size,
    sha256: read.sha256,
    verification: 'local',
    storedAt: Date.now(),
  };
}
