// The precision decision: the fp16 file only where the catalogue offers one and the GPU has
// shader-f16 and holds the model; what is stored or paused keeps its own precision.
import type { CatalogueEntry } from '@sfa/shared/separation/catalogue';
import { mdxDescriptor } from '@sfa/shared/separation/descriptor-presets';
import { describe, expect, it } from 'vitest';
import type { WebGpuReport } from '../separation/runtime.ts';
import type { ModelDownloadRecord, ModelRecord } from '../storage/db.ts';
import { choosePrecision, fileOf, precisionView } from './precision.ts';

const MiB = 2 ** 20;
// [1, 4, 3072, 256] float32: 12 MiB tensors.
const descriptor = mdxDescriptor({ id: 'kim', nFft: 7680, dimF: 3072, dimT: 256 });
const FP16 = { url: 'https://example.org/kim.fp16.onnx', bytes: 33_000_000, sha256: null, checksumVerified: false };
const entry: CatalogueEntry = {
  ...descriptor,
  url: 'https://example.org/kim.onnx',
  bytes: 66_000_000,
  sha256: 'a'.repeat(64),
  checksumVerified: true,
  licence: 'MIT',
  fp16: FP16,
};
const { fp16: _, ...fp32Only } = entry;

function gpu(overrides: Partial<WebGpuReport> = {}): WebGpuReport {
  return {
    available: true,
    limits: { maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 128 * MiB, maxComputeWorkgroupStorageSize: 16384 },
    features: ['shader-f16'],
    f16: true,
    ...overrides,
  };
}

describe('choosePrecision', () => {
  it('takes the fp16 file where it is offered and the GPU has shader-f16 and holds the model', () => {
    expect(choosePrecision(entry, gpu())).toMatchObject({
      precision: 'fp16',
      reason: expect.stringMatching(/shader-f16/),
    });
  });

  it('takes the fp32 file otherwise, saying why', () => {
    expect(choosePrecision(fp32Only, gpu()).reason).toMatch(/fp32\) only/);
    const noWebGpu = gpu({ available: false, reason: 'this browser has no WebGPU', limits: undefined, f16: false });
    expect(choosePrecision(entry, noWebGpu)).toEqual({
      precision: 'fp32',
      reason: 'The fp32 file: this device has no WebGPU (this browser has no WebGPU)',
    });
    expect(choosePrecision(entry, gpu({ features: [], f16: false }))).toMatchObject({
      precision: 'fp32',
      reason: expect.stringMatching(/no half-precision shaders \(shader-f16\)/),
    });
    const small = gpu({
      limits: { maxBufferSize: 8 * MiB, maxStorageBufferBindingSize: 8 * MiB, maxComputeWorkgroupStorageSize: 16384 },
    });
    expect(choosePrecision(entry, small)).toMatchObject({
      precision: 'fp32',
      reason: 'The fp32 file: the model needs 12 MiB buffers and this GPU allows 8 MiB',
    });
  });
});

describe('fileOf', () => {
  it('gives the listed file of each precision', () => {
    expect(fileOf(entry, 'fp16')).toBe(FP16);
    expect(fileOf(entry, 'fp32')).toEqual({
      url: entry.url,
      bytes: entry.bytes,
      sha256: entry.sha256,
      checksumVerified: true,
    });
    expect(fileOf(fp32Only, 'fp16')).toBeUndefined();
  });
});

describe('precisionView', () => {
  const stored = (precision?: 'fp16' | 'fp32', source: 'catalogue' | 'local' = 'catalogue') =>
    ({ id: 'kim', source, byteSize: 123, ...(precision ? { precision } : {}) }) as ModelRecord;
  const download = (precision?: 'fp16') => ({ id: 'kim', ...(precision ? { precision } : {}) }) as ModelDownloadRecord;

  it('says what is stored: its recorded precision, fp32 for models stored before fp16 files, nothing for imports', () => {
    expect(precisionView({ entry, stored: stored('fp16'), gpu: gpu({ f16: false }) })).toMatchObject({
      precision: 'fp16',
      bytes: 123,
    });
    expect(precisionView({ entry, stored: stored(), gpu: gpu() })?.precision).toBe('fp32');
    expect(precisionView({ stored: stored(undefined, 'local') })).toBeUndefined();
  });

  it('keeps a paused download’s precision whatever this GPU would choose now', () => {
    expect(precisionView({ entry, download: download('fp16'), gpu: gpu({ f16: false }) })?.precision).toBe('fp16');
    expect(precisionView({ entry, download: download(), gpu: gpu() })?.precision).toBe('fp32');
  });

  it('says which file a download would fetch here, with its size; waits for the GPU only when it matters', () => {
    expect(precisionView({ entry, gpu: gpu() })).toMatchObject({ precision: 'fp16', bytes: FP16.bytes });
    expect(precisionView({ entry, gpu: gpu({ f16: false }) })).toMatchObject({ precision: 'fp32', bytes: entry.bytes });
    expect(precisionView({ entry })).toBeUndefined();
    expect(precisionView({ entry: fp32Only })).toMatchObject({ precision: 'fp32', bytes: entry.bytes });
  });
});
