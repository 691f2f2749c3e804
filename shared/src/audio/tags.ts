// Title, artist, album and duration from a file's tags (ID3, Vorbis comments, RIFF INFO, MP4
// atoms) via music-metadata. Tags are a nicety: a file with odd or broken tags still imports,
// so every failure here yields {} rather than an error.

export interface AudioTags {
  title?: string;
  artist?: string;
  album?: string;
  /** From the container's header where it has one (STREAMINFO, Xing, mvhd), not from decoding. */
  durationSec?: number;
}

/** Loads the tag parser's code ahead of need; see `preloadDecoders`. */
export async function preloadTagReader(): Promise<void> {
  await import('music-metadata').catch(() => undefined);
}

/** Reads tags from a whole file; never throws. */
export async function readTags(bytes: Uint8Array): Promise<AudioTags> {
  try {
    const { parseBuffer } = await import('music-metadata');
    // Covers are skipped: they can be megabytes, and nothing here shows them.
    const { common, format } = await parseBuffer(bytes, { size: bytes.length }, { skipCovers: true });
    const tags: AudioTags = {};
    const title = clean(common.title);
    const artist = clean(common.artist) ?? clean(common.artists?.join(', '));
    const album = clean(common.album);
    if (title) tags.title = title;
    if (artist) tags.artist = artist;
    if (album) tags.album = album;
    if (typeof format.duration === 'number' && Number.isFinite(format.duration) && format.duration > 0) {
      tags.durationSec = format.duration;
    }
    return tags;
  } catch {
    return {};
  }
}

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.replace(/\0/g, '').trim();
  return trimmed ? trimmed : undefined;
}
