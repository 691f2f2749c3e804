// FLAC (16 or 24 bit) through libFLAC, streamed: the total sample count goes into STREAMINFO up
// front, so a sink that cannot seek still gets a correct header (frame sizes and MD5 then read as
// "unknown", which FLAC allows); a sink that can is patched with them at the end. libFLAC has no
// call here to set tags, so its VORBIS_COMMENT block is replaced with one carrying ours.
import { SfaError } from '@sfa/shared/protocol/errors';
import type { AudioTags, ByteSink, StreamInfo } from '../types.ts';
import { ByteWriter, utf8Bytes } from './byte-writer.ts';
import { loadFlac } from './flac-library.ts';
import type { FormatEncoder } from './format-encoder.ts';
import { integerScale, quantise } from './pcm.ts';

export type FlacBits = 16 | 24;

/** libFLAC's default level: within a few percent of level 8's size, several times faster. */
const COMPRESSION_LEVEL = 5;
/** STREAMINFO's 20-bit sample rate field; libFLAC refuses rates above this. */
export const MAX_FLAC_SAMPLE_RATE = 655_350;
const BLOCK_VORBIS_COMMENT = 4;
export const FLAC_ENCODER_NAME = 'Sound Forge Alchemy';

export async function createFlacEncoder(bits: FlacBits, info: StreamInfo, sink: ByteSink): Promise<FormatEncoder> {
  if (info.sampleRate > MAX_FLAC_SAMPLE_RATE) {
    throw new SfaError('bad-request', `FLAC cannot store ${info.sampleRate} Hz: at most ${MAX_FLAC_SAMPLE_RATE} Hz`);
  }
  const flac = await loadFlac();
  const { channelCount, sampleRate, frames } = info;
  const encoder = flac.create_libflac_encoder(sampleRate, channelCount, bits, COMPRESSION_LEVEL, frames, false);
  if (!encoder) throw new SfaError('internal', 'the FLAC encoder could not be created');

  let pending: Uint8Array[] = [];
  const metadata = new MetadataRewriter(info.tags);
  let streamInfo: { min_framesize: number; max_framesize: number; md5sum: string } | undefined;
  const status = flac.init_encoder_stream(
    encoder,
    (buffer, byteCount) => {
      // The buffer is a view of libFLAC's memory, reused on the next call: copy it.
      const bytes = buffer.slice(0, byteCount);
      pending.push(...metadata.take(bytes));
    },
    (final) => {
      if (final) streamInfo = final;
    },
  );
  if (status !== 0) {
    flac.FLAC__stream_encoder_delete(encoder);
    throw new SfaError('internal', `the FLAC encoder would not start (libFLAC status ${status})`);
  }

  let deleted = false;
  const release = () => {
    if (deleted) return;
    deleted = true;
    flac.FLAC__stream_encoder_delete(encoder);
  };
  const flush = async () => {
    const chunks = pending;
    pending = [];
    for (const chunk of chunks) await sink.write(chunk);
  };
  const scale = integerScale(bits);

  try {
    await flush();
  } catch (error) {
    release();
    throw error;
  }

  return {
    async push(channels) {
      const length = channels[0]?.length ?? 0;
      if (length === 0) return;
      const interleaved = new Int32Array(length * channelCount);
      channels.forEach((samples, channel) => {
        for (let i = 0; i < length; i++) interleaved[i * channelCount + channel] = quantise(samples[i]!, scale);
      });
      if (!flac.FLAC__stream_encoder_process_interleaved(encoder, interleaved, length)) {
        const state = flac.FLAC__stream_encoder_get_state(encoder);
        release();
        throw new SfaError('internal', `the FLAC encoder failed (libFLAC state ${state})`);
      }
      await flush();
    },
    async finish() {
      try {
        flac.FLAC__stream_encoder_finish(encoder);
        await flush();
      } finally {
        release();
      }
      if (sink.patch && streamInfo) {
        for (const { offset, bytes } of streamInfoPatches(streamInfo)) await sink.patch(offset, bytes);
      }
    },
  };
}

/**
 * Passes libFLAC's output through, except its metadata: held until the last block has arrived,
 * then written out with our VORBIS_COMMENT in place of libFLAC's (which has only its vendor).
 */
class MetadataRewriter {
  readonly #tags: AudioTags;
  #head: Uint8Array | undefined = new Uint8Array(0);

  constructor(tags: AudioTags) {
    this.#tags = tags;
  }

  take(bytes: Uint8Array): Uint8Array[] {
    if (!this.#head) return [bytes];
    const head = new Uint8Array(this.#head.length + bytes.length);
    head.set(this.#head);
    head.set(bytes, this.#head.length);
    const end = metadataEnd(head);
    if (end === undefined) {
      this.#head = head;
      return [];
    }
    this.#head = undefined;
    return [this.#rewrite(head.subarray(0, end)), head.subarray(end)].filter((part) => part.length > 0);
  }

  #rewrite(metadata: Uint8Array): Uint8Array {
    const blocks: { type: number; body: Uint8Array }[] = [];
    let vendor = 'libFLAC';
    for (let offset = 4; offset < metadata.length;) {
      const type = metadata[offset]! & 0x7f;
      const length = (metadata[offset + 1]! << 16) | (metadata[offset + 2]! << 8) | metadata[offset + 3]!;
      const body = metadata.subarray(offset + 4, offset + 4 + length);
      if (type === BLOCK_VORBIS_COMMENT) vendor = readVendor(body) ?? vendor;
      else blocks.push({ type, body });
      offset += 4 + length;
    }
    // STREAMINFO must stay first (the patches at the end rely on its offset); tags go last.
    blocks.push({ type: BLOCK_VORBIS_COMMENT, body: vorbisComment(vendor, this.#tags) });
    const out = new ByteWriter().ascii('fLaC');
    blocks.forEach(({ type, body }, i) => {
      out
        .u8((i === blocks.length - 1 ? 0x80 : 0) | type)
        .u24be(body.length)
        .bytes(body);
    });
    return out.toBytes();
  }
}

/** Where the audio frames begin, once every metadata block is in `head`; else undefined. */
function metadataEnd(head: Uint8Array): number | undefined {
  let offset = 4;
  while (offset + 4 <= head.length) {
    const isLast = (head[offset]! & 0x80) !== 0;
    const length = (head[offset + 1]! << 16) | (head[offset + 2]! << 8) | head[offset + 3]!;
    offset += 4 + length;
    if (offset > head.length) return undefined;
    if (isLast) return offset;
  }
  return undefined;
}

function readVendor(body: Uint8Array): string | undefined {
  if (body.length < 4) return undefined;
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0, true);
  return new TextDecoder().decode(body.subarray(4, 4 + length));
}

/** A VORBIS_COMMENT body: little-endian lengths, UTF-8 "KEY=value" fields. */
function vorbisComment(vendor: string, tags: AudioTags): Uint8Array {
  const fields: [string, string | undefined][] = [
    ['TITLE', tags.title],
    ['ARTIST', tags.artist],
    ['ALBUM', tags.album],
    ['COMMENT', tags.comment],
    ['ENCODER', FLAC_ENCODER_NAME],
  ];
  const comments = fields.filter(([, value]) => value).map(([key, value]) => utf8Bytes(`${key}=${value}`));
  const vendorBytes = utf8Bytes(vendor);
  const body = new ByteWriter().u32le(vendorBytes.length).bytes(vendorBytes).u32le(comments.length);
  for (const comment of comments) body.u32le(comment.length).bytes(comment);
  return body.toBytes();
}

/**
 * STREAMINFO's fields known only at the end, as (file offset, bytes) patches: the minimum and
 * maximum frame sizes (24 bits each, body bytes 4..9) and the MD5 of the audio (bytes 18..33).
 * The body starts after "fLaC" and the block header, at 8.
 */
function streamInfoPatches(info: { min_framesize: number; max_framesize: number; md5sum: string }) {
  const sizes = new ByteWriter().u24be(info.min_framesize).u24be(info.max_framesize).toBytes();
  const md5 = Uint8Array.from({ length: 16 }, (_, i) => parseInt(info.md5sum.slice(2 * i, 2 * i + 2), 16));
  return [
    { offset: 8 + 4, bytes: sizes },
    { offset: 8 + 18, bytes: md5 },
  ];
}
