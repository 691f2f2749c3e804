// A model catalogue: the models a user can download, each a model descriptor plus where to get
// it (url, bytes), how to know the bytes are right (sha256, and whether that hash was checked by
// whoever published it) and its licence, and optionally a half-precision (fp16) file of the same
// model. The app ships one (models/catalogue.json); an organisation, a LAN mirror or an offload
// server can publish more in the same format.

import { z } from 'zod';
import { SfaError } from '../protocol/errors.ts';
import { descriptorProblems, type ModelDescriptor } from './descriptor.ts';

export const CATALOGUE_FORMAT = 1;

/** One downloadable file of a model: where it is and how to know its bytes are right. */
const modelFile = z.object({
  /** Where the .onnx file is; a relative URL is resolved against the catalogue's own URL. */
  url: z.string().min(1),
  /** The file's size in bytes (approximate where `notes` says so; the server's length wins). */
  bytes: z.int().positive(),
  /** Lower-case hex SHA-256 of the file, or null when none is known. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')
    .nullable(),
  /**
   * True when the publisher checked `sha256` against the real file: a download that does not match
   * is refused. False: the hash (if any) is hearsay; the app records the hash it gets instead.
   */
  checksumVerified: z.boolean(),
});

export type ModelFile = z.infer<typeof modelFile>;

/** What a catalogue adds to a descriptor. */
const catalogueFields = modelFile.extend({
  /**
   * The same model in half precision: float16 weights and arithmetic, the same float32 inputs and
   * outputs (Cast nodes inside, as onnxconverter-common's `keep_io_types=True` exports it). The app
   * downloads it instead where the GPU runs float16 shaders (`shader-f16`).
   */
  fp16: modelFile.optional(),
  licence: z.string().min(1),
  licenceUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Provenance and caveats, shown to the user. */
  notes: z.string().optional(),
});

export type CatalogueFields = z.infer<typeof catalogueFields>;

/** One downloadable model: its descriptor and the catalogue's fields, `url` made absolute. */
export type CatalogueEntry = ModelDescriptor & CatalogueFields;

export interface Catalogue {
  /** The catalogue's own name, when it gives one ("Studio mirror"). */
  name?: string;
  models: CatalogueEntry[];
}

const catalogueShape = z.object({
  format: z.literal(CATALOGUE_FORMAT),
  name: z.string().min(1).optional(),
  models: z.array(z.unknown()),
});

const CATALOGUE_KEYS = new Set(Object.keys(catalogueFields.shape));

function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map(String)].filter(Boolean).join('.');
}

function zodProblems(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issuePath(prefix, issue.path)}: ${issue.message}`);
}

/** The absolute http(s) URL `url` names, resolved against `baseUrl`; undefined when it names none. */
function resolveUrl(url: string, baseUrl: string | undefined): string | undefined {
  try {
    const resolved = new URL(url, baseUrl);
    return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : undefined;
  } catch {
    return undefined;
  }
}

/** The descriptor alone, without the catalogue's fields (what a stored model keeps). */
export function descriptorOf(entry: CatalogueEntry): ModelDescriptor {
  const descriptor: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (!CATALOGUE_KEYS.has(key)) descriptor[key] = value;
  return descriptor as unknown as ModelDescriptor;
}

/**
 * Parses a catalogue (JSON text or an already parsed value). Relative model URLs are resolved
 * against `baseUrl` (the catalogue's own URL). Throws `SfaError('bad-request')` naming every
 * problem with its path (`models[2].sha256: ...`, `models[0] "htdemucs": contract.nFft ...`).
 */
export function parseCatalogue(json: unknown, { baseUrl }: { baseUrl?: string } = {}): Catalogue {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new SfaError('bad-request', `the catalogue is not JSON: ${(error as Error).message}`);
    }
  }
  const shape = catalogueShape.safeParse(value);
  if (!shape.success) {
    throw new SfaError('bad-request', `the catalogue is invalid: ${zodProblems('', shape.error).join('; ')}`);
  }
  const problems: string[] = [];
  const models: CatalogueEntry[] = [];
  const seen = new Set<string>();
  shape.data.models.forEach((raw, index) => {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw ? (raw as { id: unknown }).id : undefined;
    const at = `models[${index}]${typeof id === 'string' ? ` "${id}"` : ''}`;
    const before = problems.length;
    for (const problem of descriptorProblems(raw)) problems.push(`${at}: ${problem}`);
    const fields = catalogueFields.safeParse(raw);
    if (!fields.success) problems.push(...zodProblems(at, fields.error));
    if (problems.length > before || !fields.success) return;
    const file = (data: ModelFile, path: string): ModelFile => {
      const url = resolveUrl(data.url, baseUrl);
      if (!url) problems.push(`${path}.url: must be an http(s) URL, got ${JSON.stringify(data.url)}`);
      if (data.checksumVerified && data.sha256 === null) {
        problems.push(`${path}.checksumVerified: a verified checksum needs a sha256`);
      }
      return { ...data, url: url ?? data.url };
    };
    const { fp16, ...fp32 } = fields.data;
    const entry = {
      ...(raw as object),
      ...fields.data,
      ...file(fp32, at),
      ...(fp16 ? { fp16: file(fp16, `${at}.fp16`) } : {}),
    } as CatalogueEntry;
    if (fp16 && entry.fp16!.url === entry.url) problems.push(`${at}.fp16.url: must differ from the fp32 file's url`);
    if (seen.has(entry.id)) problems.push(`${at}: the id "${entry.id}" is listed twice`);
    seen.add(entry.id);
    if (problems.length === before) models.push(entry);
  });
  if (problems.length > 0) {
    throw new SfaError('bad-request', `the catalogue is invalid: ${problems.join('; ')}`);
  }
  return { ...(shape.data.name ? { name: shape.data.name } : {}), models };
}
