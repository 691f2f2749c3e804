// Which file of a model to download: the half-precision (fp16) export where the catalogue offers
// one and this device's GPU runs it (WebGPU with `shader-f16`, limits that hold the model), else
// the fp32 file. Decided when a download starts and kept with it, so a resume fetches the same
// file. Pure: the state class probes the GPU and passes the report in.
import { descriptorOf, type CatalogueEntry, type ModelFile } from '@sfa/shared/separation/catalogue';
import { webGpuFits, type WebGpuReport } from '../separation/runtime.ts';
import { largestTensorBytes } from '../separation/separators.ts';
import type { ModelDownloadRecord, ModelPrecision, ModelRecord } from '../storage/db.ts';

export interface PrecisionChoice {
  precision: ModelPrecision;
  /** Why, in the user's words (shown as the row's tooltip). */
  reason: string;
}

/** The file `entry` lists for `precision`; undefined when it offers no such file. */
export function fileOf(entry: CatalogueEntry, precision: ModelPrecision): ModelFile | undefined {
  if (precision === 'fp16') return entry.fp16;
  const { url, bytes, sha256, checksumVerified } = entry;
  return { url, bytes, sha256, checksumVerified };
}

/**
 * fp16 when `entry` offers an fp16 file and `gpu` (this device's adapter) has `shader-f16` and
 * limits that hold the model's largest tensor (float32 at the inputs and outputs either way);
 * else fp32, saying why.
 */
export function choosePrecision(entry: CatalogueEntry, gpu: WebGpuReport): PrecisionChoice {
  if (!entry.fp16)
    return { precision: 'fp32', reason: 'The catalogue offers this model in full precision (fp32) only' };
  if (!gpu.available) {
    return { precision: 'fp32', reason: `The fp32 file: this device has no WebGPU (${gpu.reason ?? 'no adapter'})` };
  }
  if (!gpu.f16)
    return { precision: 'fp32', reason: 'The fp32 file: this GPU has no half-precision shaders (shader-f16)' };
  const fit = webGpuFits(gpu, largestTensorBytes(descriptorOf(entry)), 'fp16');
  if (!fit.fits) return { precision: 'fp32', reason: `The fp32 file: ${fit.reason ?? 'WebGPU cannot hold the model'}` };
  return { precision: 'fp16', reason: 'The fp16 file: this GPU has half-precision shaders (shader-f16)' };
}

/** What the settings row says about precision. */
export interface PrecisionView extends PrecisionChoice {
  /** The size of that file (the catalogue's figure until it is stored). */
  bytes?: number;
}

/**
 * The precision of what is stored (a model, or a paused download, which resumes the file it
 * started), else of the file a download would fetch on this device; undefined for an imported
 * file (its precision is not known) or while the GPU is still being examined.
 */
export function precisionView({
  entry,
  stored,
  download,
  gpu,
}: {
  entry?: CatalogueEntry;
  stored?: ModelRecord;
  download?: ModelDownloadRecord;
  gpu?: WebGpuReport;
}): PrecisionView | undefined {
  if (stored) {
    if (stored.source === 'local') return undefined;
    const precision = stored.precision ?? 'fp32';
    const reason =
      precision === 'fp16'
        ? 'The fp16 file is stored: it runs on WebGPU with shader-f16, else on the CPU'
        : 'The full-precision (fp32) file is stored';
    return { precision, reason, bytes: stored.byteSize };
  }
  if (download) {
    const precision = download.precision ?? 'fp32';
    return { precision, reason: `The download fetches the ${precision} file, as when it started` };
  }
  if (!entry) return undefined;
  if (!entry.fp16)
    return { ...choosePrecision(entry, { available: false, features: [], f16: false }), bytes: entry.bytes };
  if (!gpu) return undefined;
  const choice = choosePrecision(entry, gpu);
  return { ...choice, bytes: fileOf(entry, choice.precision)!.bytes };
}
