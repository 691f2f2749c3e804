// What an export plays: a stem set's chunks read in order, one chunk in memory at a time, turned
// into blocks of samples for an encoder — one stem, a mix of chosen stems through the mixer's
// channel strips, or that mix at the mixer's speed and pitch. No DOM and no IndexedDB here (the
// worker passes a chunk source), so the arithmetic is tested in Node with plain arrays.
import { SfaError } from '@sfa/shared/protocol/errors';
import type { StemName } from '@sfa/shared/separation/types';
import type { Stretcher } from '../mixer/stretch.ts';
import { defaultStrip, mixBlock, stripGains, type ChannelStrip } from '../mixer/strips.ts';
import type { StemChunkRecord, StemSetRecord } from '../storage/db.ts';

/** Frames per block handed to an encoder: ~0.37 s at 44.1 kHz, so a cancel lands within one. */
export const BLOCK_FRAMES = 16_384;
/** Output frames the stretcher renders per call (its limit is 128 × 8, and its window). */
const STRETCH_FRAMES = 1024;

export type StemChunk = Pick<StemChunkRecord, 'startFrame' | 'frames' | 'stems'>;
/** Starts a fresh pass over a stem set's chunks, in order (each call reads them again). */
export type ChunkSource = () => AsyncIterable<StemChunk>;
export type SetShape = Pick<StemSetRecord, 'sampleRate' | 'channelCount' | 'frames' | 'stems'>;

export interface AudioStream {
  sampleRate: number;
  channelCount: number;
  /** Exactly how many frames `blocks` yields in all. */
  frames: number;
  /**
   * Blocks of at most `BLOCK_FRAMES`, one array per channel. A block's arrays may be views on a
   * buffer the next block reuses: consume (encode) a block before asking for the next.
   */
  blocks(): AsyncGenerator<Float32Array[]>;
}

/** The mixer's settings an export of a mix takes (`mixer.strips`, `mixer.masterDb`, ...). */
export interface MixSettings {
  /** The stems mixed, in this order; stems without a strip play at unity, centred. */
  stems: StemName[];
  strips: readonly ChannelStrip[];
  masterDb: number;
}

export interface StretchSettings {
  /** Playback rate, 0.5-1.5: the output lasts `frames / speed`. */
  speed: number;
  semitones: number;
  createStretcher: (channels: number, sampleRate: number) => Promise<Stretcher>;
}

interface Span {
  chunk: StemChunk;
  /** Offset in the chunk, frames. */
  from: number;
  length: number;
}

/** The set's frames as spans of at most `BLOCK_FRAMES` within chunks; throws if any are missing. */
async function* spans(source: ChunkSource, set: SetShape): AsyncGenerator<Span> {
  let covered = 0;
  for await (const chunk of source()) {
    if (chunk.startFrame !== covered) {
      throw new SfaError(
        'not-found',
        `The stems are incomplete: a chunk starts at frame ${chunk.startFrame}, not ${covered}`,
      );
    }
    const end = Math.min(chunk.frames, set.frames - chunk.startFrame);
    for (let from = 0; from < end; from += BLOCK_FRAMES) {
      yield { chunk, from, length: Math.min(BLOCK_FRAMES, end - from) };
    }
    covered = chunk.startFrame + chunk.frames;
    if (covered >= set.frames) return;
  }
  throw new SfaError('not-found', `The stems are incomplete: ${covered} of ${set.frames} frames are stored`);
}

function channelsOf(chunk: StemChunk, stem: StemName): Float32Array[] {
  const channels = chunk.stems[stem];
  if (!channels) throw new SfaError('not-found', `This stem set has no stem "${stem}"`);
  return channels;
}

/** One stem as it is stored: its rate, channels and exact length. */
export function stemStream(source: ChunkSource, set: SetShape, stem: StemName): AudioStream {
  if (!set.stems.includes(stem)) throw new SfaError('not-found', `This stem set has no stem "${stem}"`);
  return {
    sampleRate: set.sampleRate,
    channelCount: set.channelCount,
    frames: set.frames,
    async *blocks() {
      for await (const { chunk, from, length } of spans(source, set)) {
        yield channelsOf(chunk, stem).map((channel) => channel.subarray(from, from + length));
      }
    },
  };
}

/** Each mixed stem's linear [left, right] gain, solos and mutes of every strip included. */
export function mixGains(mix: MixSettings): [number, number][] {
  // Solo and mute among the chosen stems only: a stem soloed in the mixer but not chosen must not
  // silence the ones that are.
  const strips = mix.stems.map((stem) => mix.strips.find((s) => s.stem === stem) ?? defaultStrip(stem));
  const gains = stripGains(strips, mix.masterDb);
  if (gains.every(([left, right]) => left === 0 && right === 0)) {
    throw new SfaError(
      'bad-request',
      `every chosen stem (${mix.stems.join(', ')}) is muted or turned all the way down in the mixer: the mix would be silence`,
    );
  }
  return gains;
}

/**
 * The chosen stems mixed as the mixer plays them (`stripGains` + `mixBlock`), at the set's rate
 * and exact length. A mono set whose audible stems are all centred stays mono; else stereo.
 */
export function mixStream(source: ChunkSource, set: SetShape, mix: MixSettings): AudioStream {
  for (const stem of mix.stems) {
    if (!set.stems.includes(stem)) throw new SfaError('not-found', `This stem set has no stem "${stem}"`);
  }
  const gains = mixGains(mix);
  const channelCount = set.channelCount === 1 && gains.every(([left, right]) => left === right) ? 1 : 2;
  return {
    sampleRate: set.sampleRate,
    channelCount,
    frames: set.frames,
    async *blocks() {
      const out = Array.from({ length: channelCount }, () => new Float32Array(BLOCK_FRAMES));
      for await (const { chunk, from, length } of spans(source, set)) {
        const stems = mix.stems.map((stem) => channelsOf(chunk, stem));
        mixBlock(stems, gains, out, from, length);
        yield out.map((channel) => channel.subarray(0, length));
      }
    },
  };
}

/**
 * The source's frames around a moving position, pulled from its blocks as the position needs
 * them: holds at most one stretcher window plus one block.
 */
class SourceWindow {
  private readonly buffer: Float32Array[];
  /** Source frame of `buffer[c][0]`, and how many frames are held. */
  private start = 0;
  private held = 0;
  private done = false;

  constructor(
    channels: number,
    windowFrames: number,
    private readonly blocks: AsyncIterator<Float32Array[]>,
  ) {
    this.buffer = Array.from({ length: channels }, () => new Float32Array(windowFrames + BLOCK_FRAMES));
  }

  /** Drops what lies before source frame `from` (positions only move forward). */
  private discard(from: number): void {
    const drop = Math.min(Math.max(0, from - this.start), this.held);
    if (drop === 0) return;
    for (const channel of this.buffer) channel.copyWithin(0, drop, this.held);
    this.start += drop;
    this.held -= drop;
  }

  /** Fills `targets` with source frames [from, from + length); silence outside the source. */
  async fill(targets: Float32Array[], from: number): Promise<void> {
    const length = targets[0]!.length;
    while (!this.done && this.start + this.held < from + length) {
      this.discard(from);
      const next = await this.blocks.next();
      if (next.done) {
        this.done = true;
        break;
      }
      this.buffer.forEach((channel, c) => channel.set(next.value[c]!, this.held));
      this.held += next.value[0]!.length;
    }
    this.discard(from);
    const lead = Math.min(length, Math.max(0, this.start - from));
    const available = Math.max(0, Math.min(length - lead, this.start + this.held - Math.max(from, this.start)));
    const offset = Math.max(0, from - this.start);
    targets.forEach((target, c) => {
      target.fill(0, 0, lead);
      target.set(this.buffer[c]!.subarray(offset, offset + available), lead);
      target.fill(0, lead + available);
    });
  }
}

/**
 * The mix played at `speed` and shifted by `semitones`, driven as the mixer's worklet drives the
 * stretcher: each block from the window that ends `lookAhead(speed)` after the position, which
 * then moves on by the block's length × speed. Exactly `round(frames / speed)` frames; without
 * a change of speed or pitch it is the plain mix, sample for sample.
 */
export function stretchedMixStream(
  source: ChunkSource,
  set: SetShape,
  mix: MixSettings,
  { speed, semitones, createStretcher }: StretchSettings,
): AudioStream {
  const plain = mixStream(source, set, mix);
  if (speed === 1 && semitones === 0) return plain;
  if (!(speed > 0)) throw new SfaError('bad-request', `The speed must be positive, not ${speed}`);
  const frames = Math.round(set.frames / speed);
  return {
    ...plain,
    frames,
    async *blocks() {
      const stretcher = await createStretcher(plain.channelCount, plain.sampleRate);
      stretcher.setSemitones(semitones);
      const step = Math.min(STRETCH_FRAMES, stretcher.windowFrames);
      const window = new SourceWindow(plain.channelCount, stretcher.windowFrames, plain.blocks());
      const out = Array.from({ length: plain.channelCount }, () => new Float32Array(BLOCK_FRAMES));
      let position = 0;
      let filled = 0;
      for (let done = 0; done < frames;) {
        const length = Math.min(step, frames - done, BLOCK_FRAMES - filled);
        // Views on the WASM memory: taken again each time, as the memory may have grown.
        const input = stretcher.input();
        await window.fill(input, Math.round(position) + stretcher.lookAhead(speed) - stretcher.windowFrames);
        stretcher.render(speed, out, filled, length);
        position += length * speed;
        done += length;
        filled += length;
        if (filled === BLOCK_FRAMES || done === frames) {
          yield out.map((channel) => channel.subarray(0, filled));
          filled = 0;
        }
      }
    },
  };
}
