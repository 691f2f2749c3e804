// Reads and decodes one audio file for a CLI command, turning every way that can fail (missing
// file, a folder, unreadable, not audio, truncated) into one SfaError with a short message.

import { readFile, stat } from 'node:fs/promises';
import { decodeAudio, type DecodedAudio } from '@sfa/shared/audio/decode';
import { SfaError } from '@sfa/shared/protocol/errors';

/** The same ceiling as the app's import: one decoded file has to fit in memory. */
export const MAX_INPUT_BYTES = 1024 ** 3;

export async function readAudioFile(
  path: string,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<DecodedAudio> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new SfaError('bad-request', 'is a folder, not an audio file');
    size = info.size;
  } catch (error) {
    if (error instanceof SfaError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SfaError('not-found', 'no such file');
    if (code === 'EACCES') throw new SfaError('bad-request', 'permission denied');
    throw new SfaError('bad-request', `cannot read: ${(error as Error).message}`);
  }
  if (size === 0) throw new SfaError('empty-file', 'the file is empty (0 bytes)');
  if (size > MAX_INPUT_BYTES) {
    throw new SfaError('too-large', `the file is ${(size / 1024 ** 3).toFixed(1)} GiB; the limit is 1 GiB`);
  }
  const bytes = new Uint8Array(await readFile(path));
  return decodeAudio(bytes, options);
}
