// Jobs on disk, under `<SFA_DATA_DIR>/jobs/<key>/`: the record (job.json), the uploaded file
// (input.bin) and one file per stem (stem-<n>.bin). The key is a SHA-256 of the token id and
// the job id, so nothing a client sends becomes a path, and one token cannot reach another's
// jobs by guessing ids. Records are replaced atomically (write, then rename).

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { jobIdSchema, OUTPUT_FORMATS, stemNameSchema } from '@sfa/shared/offload/protocol';
import { ERROR_CODES } from '@sfa/shared/protocol/errors';

export const JOB_STATES = ['upload', 'queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What a job was asked to do: a second open with the same id must ask for exactly this. */
const jobRequestSchema = z.object({
  model: z.string(),
  stems: z.array(stemNameSchema).min(1),
  format: z.enum(OUTPUT_FORMATS),
  shifts: z.number().int(),
  seed: z.number().int(),
  input: z.object({ bytes: z.number().int(), sha256: z.string() }),
});

const jobRecordSchema = z.object({
  version: z.literal(1),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  jobId: jobIdSchema,
  tokenId: z.string(),
  request: jobRequestSchema,
  state: z.enum(JOB_STATES),
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).optional(),
  audio: z.object({ sampleRate: z.number(), channels: z.number(), frames: z.number() }).optional(),
  outputs: z.array(z.object({ stem: z.string(), bytes: z.number(), sha256: z.string() })).optional(),
  /** The client released the results: they are deleted, the record stays until it expires. */
  released: z.boolean().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export type JobRequest = z.infer<typeof jobRequestSchema>;
export type JobRecord = z.infer<typeof jobRecordSchema>;

const KEY = /^[0-9a-f]{64}$/;

export function sameRequest(a: JobRequest, b: JobRequest): boolean {
  return (
    a.model === b.model &&
    a.format === b.format &&
    a.shifts === b.shifts &&
    a.seed === b.seed &&
    a.input.bytes === b.input.bytes &&
    a.input.sha256 === b.input.sha256 &&
    a.stems.length === b.stems.length &&
    a.stems.every((stem, i) => stem === b.stems[i])
  );
}

export class JobStore {
  readonly root: string;
  readonly #writes = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'jobs');
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  keyFor(tokenId: string, jobId: string): string {
    return createHash('sha256').update(`${tokenId}\n${jobId}`).digest('hex');
  }

  #dir(key: string): string {
    // Keys are made by keyFor or read back from a directory listing and checked here: never a
    // client's string.
    if (!KEY.test(key)) throw new Error(`not a job key: ${key}`);
    return join(this.root, key);
  }

  inputPath(key: string): string {
    return join(this.#dir(key), 'input.bin');
  }

  stemPath(key: string, index: number): string {
    return join(this.#dir(key), `stem-${index}.bin`);
  }

  async create(record: JobRecord): Promise<void> {
    await mkdir(this.#dir(record.key), { recursive: true });
    await this.save(record);
  }

  /**
   * Replaces the record on disk. Saves of one job are written in the order they were asked
   * for (a cancel and a run starting can save at once), so the last state asked wins.
   */
  save(record: JobRecord): Promise<void> {
    const path = join(this.#dir(record.key), 'job.json');
    const text = JSON.stringify(record);
    const previous = this.#writes.get(record.key) ?? Promise.resolve();
    const write = previous.then(async () => {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    });
    const settled = write.catch(() => {});
    this.#writes.set(record.key, settled);
    void settled.then(() => {
      if (this.#writes.get(record.key) === settled) this.#writes.delete(record.key);
    });
    return write;
  }

  /** The record, or undefined if there is none or it is unreadable (then the job is removed). */
  async load(key: string): Promise<JobRecord | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.#dir(key), 'job.json'), 'utf8');
    } catch {
      return undefined;
    }
    try {
      return jobRecordSchema.parse(JSON.parse(text));
    } catch {
      await this.remove(key);
      return undefined;
    }
  }

  /** Deletes the job's input and stems, keeping its record. */
  async removeFiles(key: string): Promise<void> {
    const dir = this.#dir(key);
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.endsWith('.bin')).map((n) => rm(join(dir, n), { force: true })));
  }

  async remove(key: string): Promise<void> {
    await rm(this.#dir(key), { recursive: true, force: true });
  }

  /** Keys of every job on disk. */
  async keys(): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.filter((name) => KEY.test(name));
  }
}
