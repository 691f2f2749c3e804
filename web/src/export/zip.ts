// A ZIP archive streamed into a ByteSink (fflate's Zip), one entry at a time: every byte of an
// entry goes to the sink as it is written, so a folder of stems never sits in memory. Entries are
// STORED: compressed audio does not deflate, and deflating PCM saves ~5-10% for a lot of CPU.
// fflate writes no ZIP64 records, so an archive is refused once it would pass 4 GiB.
import { Zip, ZipPassThrough } from 'fflate';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { ByteSink } from './types.ts';

/** An open entry: write its bytes, then close it (no `patch`: a ZIP entry cannot seek). */
export interface ZipEntrySink extends ByteSink {
  close(): Promise<void>;
}

export interface ZipWriter {
  /**
   * Opens the entry `name` (UTF-8; "/" separates folders), modified at `modified` (default now;
   * DOS time holds 1980-2099, so other dates are clamped to that range). Throws `bad-request` if another entry is still open, the name was
   * used already, or the archive is finished.
   */
  addEntry(name: string, modified?: Date): Promise<ZipEntrySink>;
  /** Writes the central directory. Throws `bad-request` if an entry is still open. */
  finish(): Promise<void>;
}

/** The last offset a ZIP without ZIP64 can point to; a data descriptor follows each entry. */
const ZIP32_LIMIT = 0xffffffff;
const DATA_DESCRIPTOR_BYTES = 16;

export function createZipWriter(sink: ByteSink): ZipWriter {
  let written = Promise.resolve();
  let zipError: Error | undefined;
  let archiveBytes = 0;
  const zip = new Zip((error, chunk) => {
    if (error) {
      zipError ??= error;
      return;
    }
    archiveBytes += chunk.length;
    // fflate calls back synchronously; the sink is asynchronous, so writes are chained in order.
    written = written.then(() => sink.write(chunk));
  });
  const names = new Set<string>();
  let openEntry: string | undefined;
  let finished = false;

  /** Waits for the sink, then reports anything fflate or the sink threw. */
  const settle = async () => {
    await written;
    if (zipError) throw new SfaError('internal', `the ZIP archive could not be written: ${zipError.message}`);
  };

  return {
    async addEntry(name, modified = new Date()) {
      if (finished) throw new SfaError('bad-request', `cannot add "${name}": the ZIP archive is finished`);
      if (openEntry !== undefined) {
        throw new SfaError('bad-request', `cannot add "${name}" while "${openEntry}" is still open`);
      }
      if (names.has(name)) throw new SfaError('bad-request', `the ZIP archive already has an entry "${name}"`);
      names.add(name);
      openEntry = name;
      const file = new ZipPassThrough(name);
      file.mtime = clampToDosTime(modified);
      zip.add(file);
      await settle();
      let closed = false;

      return {
        async write(bytes) {
          if (closed) throw new SfaError('bad-request', `"${name}" is closed`);
          if (bytes.length === 0) return;
          if (archiveBytes + bytes.length + DATA_DESCRIPTOR_BYTES > ZIP32_LIMIT) {
            throw new SfaError('too-large', 'the ZIP archive would pass 4 GB: export fewer stems at once, or as FLAC');
          }
          file.push(bytes);
          await settle();
        },
        async close() {
          if (closed) return;
          closed = true;
          file.push(new Uint8Array(0), true);
          openEntry = undefined;
          await settle();
        },
      };
    },
    async finish() {
      if (finished) return;
      if (openEntry !== undefined) throw new SfaError('bad-request', `"${openEntry}" is still open`);
      finished = true;
      zip.end();
      await settle();
    },
  };
}

function clampToDosTime(date: Date): Date {
  const earliest = new Date(1980, 0, 1);
  const latest = new Date(2099, 11, 31, 23, 59, 58);
  return date < earliest ? earliest : date > latest ? latest : date;
}
