// The catalogue format: the shipped models/catalogue.json parses, relative URLs resolve against
// the catalogue's address, and every kind of mistake is named with its path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SfaError } from '../protocol/errors.ts';
import { descriptorOf, parseCatalogue } from './catalogue.ts';
import { validateDescriptor } from './descriptor.ts';
import { mdxDescriptor } from './descriptor-presets.ts';

const SHIPPED = readFileSync(new URL('../../../models/catalogue.json', import.meta.url), 'utf8');

function entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...mdxDescriptor({ id: 'kim-vocal-2', nFft: 7680, dimF: 3072, dimT: 256, compensation: 1.009 }),
    url: 'https://example.org/Kim_Vocal_2.onnx',
    bytes: 66_759_214,
    sha256: 'ce74ef3b6a6024ce44211a07be9cf8bc6d87728cc852a68ab34eb8e58cde9c8b',
    checksumVerified: true,
    licence: 'MIT',
    ...overrides,
  };
}

function problemsOf(json: unknown, baseUrl?: string): string {
  try {
    parseCatalogue(json, { baseUrl });
  } catch (error) {
    expect(error).toBeInstanceOf(SfaError);
    expect((error as SfaError).code).toBe('bad-request');
    return (error as SfaError).message;
  }
  throw new Error('expected the catalogue to be refused');
}

describe('parseCatalogue', () => {
  it('parses the shipped catalogue: the models users ask for, each with a valid descriptor and licence', () => {
    const catalogue = parseCatalogue(SHIPPED);
    const ids = catalogue.models.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining(['htdemucs', 'htdemucs_6s', 'uvr-mdx-net-inst-hq-3', 'kim-vocal-2', 'uvr-mdx-net-voc-ft']),
    );
    for (const model of catalogue.models) {
      expect(validateDescriptor(descriptorOf(model))).toBeTruthy();
      expect(model.url).toMatch(/^https:\/\//);
      expect(model.licence).toBe('MIT');
      // Nothing could be downloaded where this catalogue was written: no entry may claim a checked hash.
      expect(model.checksumVerified).toBe(false);
      expect(model.notes?.length).toBeGreaterThan(40);
    }
    expect(catalogue.models.find((model) => model.id === 'htdemucs_6s')?.stems).toHaveLength(6);
  });

  it('keeps only the descriptor in descriptorOf, and resolves relative URLs against the catalogue', () => {
    const { models } = parseCatalogue(
      { format: 1, name: 'Mirror', models: [entry({ url: 'models/kim.onnx' })] },
      { baseUrl: 'http://nas.local:8080/sfa/catalogue.json' },
    );
    expect(models[0]!.url).toBe('http://nas.local:8080/sfa/models/kim.onnx');
    const descriptor = descriptorOf(models[0]!);
    expect(descriptor).toEqual(
      mdxDescriptor({ id: 'kim-vocal-2', nFft: 7680, dimF: 3072, dimT: 256, compensation: 1.009 }),
    );
    expect(Object.keys(descriptor)).not.toContain('sha256');
  });

  it('names every problem of every entry with its path', () => {
    const message = problemsOf({
      format: 1,
      models: [
        entry({ sha256: 'ABC', bytes: -1 }),
        entry({ id: 'second', checksumVerified: true, sha256: null, url: 'ftp://example.org/x.onnx' }),
        entry({ id: 'third', segmentLength: 5, licence: '' }),
        entry({ id: 'second' }),
      ],
    });
    expect(message).toMatch(/models\[0\] "kim-vocal-2"\.sha256: must be 64 lower-case hex digits/);
    expect(message).toMatch(/models\[0\] "kim-vocal-2"\.bytes:/);
    expect(message).toMatch(/models\[1\] "second"\.url: must be an http\(s\) URL/);
    expect(message).toMatch(/models\[1\] "second"\.checksumVerified: a verified checksum needs a sha256/);
    // The descriptor part is checked by descriptorProblems, with its own paths.
    expect(message).toMatch(/models\[2\] "third": segmentLength must be/);
    expect(message).toMatch(/models\[2\] "third"\.licence:/);
    expect(message).toMatch(/models\[3\] "second": the id "second" is listed twice/);
  });

  it('refuses what is not a catalogue at all', () => {
    expect(problemsOf('{ not json')).toMatch(/not JSON/);
    expect(problemsOf({ models: [] })).toMatch(/format/);
    expect(problemsOf({ format: 2, models: [] })).toMatch(/format/);
    expect(problemsOf({ format: 1, models: {} })).toMatch(/models/);
    expect(problemsOf({ format: 1, models: [entry({ url: 'relative.onnx' })] })).toMatch(
      /url: must be an http\(s\) URL/,
    );
  });

  it('accepts an fp16 file of a model, resolved like its url, and descriptorOf leaves it out', () => {
    const fp16 = { url: 'kim.fp16.onnx', bytes: 33_400_000, sha256: 'a'.repeat(64), checksumVerified: true };
    const { models } = parseCatalogue(
      { format: 1, models: [entry({ url: 'kim.onnx', fp16 })] },
      { baseUrl: 'http://nas.local/sfa/catalogue.json' },
    );
    expect(models[0]!.fp16).toEqual({ ...fp16, url: 'http://nas.local/sfa/kim.fp16.onnx' });
    expect(models[0]!.url).toBe('http://nas.local/sfa/kim.onnx');
    expect(Object.keys(descriptorOf(models[0]!))).not.toContain('fp16');
    expect(parseCatalogue({ format: 1, models: [entry()] }).models[0]!.fp16).toBeUndefined();
  });

  it('names the problems of an fp16 file with their path', () => {
    const message = problemsOf({
      format: 1,
      models: [
        entry({ fp16: { url: 'https://example.org/x.onnx', bytes: 0, sha256: null, checksumVerified: false } }),
        entry({
          id: 'bad-url',
          fp16: { url: 'ftp://example.org/x.onnx', bytes: 1, sha256: null, checksumVerified: true },
        }),
        entry({ id: 'incomplete', fp16: { url: 'https://example.org/x.onnx' } }),
        entry({
          id: 'same-file',
          fp16: { url: 'https://example.org/Kim_Vocal_2.onnx', bytes: 1, sha256: null, checksumVerified: false },
        }),
      ],
    });
    expect(message).toMatch(/models\[0\] "kim-vocal-2"\.fp16\.bytes:/);
    expect(message).toMatch(/models\[1\] "bad-url"\.fp16\.url: must be an http\(s\) URL/);
    expect(message).toMatch(/models\[1\] "bad-url"\.fp16\.checksumVerified: a verified checksum needs a sha256/);
    expect(message).toMatch(/models\[2\] "incomplete"\.fp16\.sha256:/);
    expect(message).toMatch(/models\[2\] "incomplete"\.fp16\.checksumVerified:/);
    expect(message).toMatch(/models\[3\] "same-file"\.fp16\.url: must differ from the fp32 file's url/);
  });

  it('accepts an unverified entry with no checksum', () => {
    const { models } = parseCatalogue({ format: 1, models: [entry({ sha256: null, checksumVerified: false })] });
    expect(models[0]).toMatchObject({ sha256: null, checksumVerified: false });
  });
});
