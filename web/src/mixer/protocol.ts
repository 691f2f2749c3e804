// Messages between the mixer (page) and its AudioWorklet processor. Positions and lengths are
// in source frames (the AudioContext runs at the stems' sample rate, so they are also output
// frames at speed 1).

/** Every stem's channels for frames [start, start + frames): stems[stem][channel]. */
export interface ChunkMessage {
  type: 'chunk';
  start: number;
  frames: number;
  stems: Float32Array[][];
}

export interface CountIn {
  /** Clicks before the music starts. */
  beats: number;
  /** Output frames between clicks (the beat period at the current speed). */
  intervalFrames: number;
  /** Clicks per bar: the first of each bar is accented. */
  beatsPerBar: number;
}

export type ToProcessor =
  /** Answered with `synced` once every message before it has been handled. */
  | { type: 'sync'; id: number }
  /** The page is done with this node: drop the audio and stop processing. */
  | { type: 'dispose' }
  | { type: 'init'; stems: number; channels: number; frames: number }
  | ChunkMessage
  /** Drops every chunk outside these [start, end) frame ranges. */
  | { type: 'evict'; keep: [number, number][] }
  /** Linear [left, right] gain per stem, in the order of `init`'s stems. */
  | { type: 'gains'; gains: [number, number][] }
  | { type: 'play'; countIn?: CountIn }
  | { type: 'pause' }
  /** `seq` is echoed in ticks, so the page can tell ticks from before the seek. */
  | { type: 'seek'; frame: number; seq: number }
  | { type: 'loop'; start: number; end: number; enabled: boolean }
  | { type: 'speed'; rate: number; semitones: number }
  /** Beat positions (frames, ascending) and which start a bar; clicks sound when `enabled`. */
  | { type: 'click'; enabled: boolean; beats: Float64Array; accents: Uint8Array };

export interface LevelPair {
  peak: number;
  /** Root mean square over the period (linear). */
  rms: number;
}

export type FromProcessor =
  | { type: 'ready' }
  | { type: 'synced'; id: number }
  | {
      type: 'tick';
      /** The last seek's `seq` this tick comes after. */
      seq: number;
      /** The source frame heard at `time`. */
      position: number;
      /** The context time (end of the quantum just rendered) at which `position` is reached. */
      time: number;
      playing: boolean;
      countingIn: boolean;
      /** Waiting for audio that is not loaded yet. */
      stalled: boolean;
      /** Per output channel. */
      master: LevelPair[];
      /** Per stem, post fader (max over its channels). */
      stems: LevelPair[];
      /** Mean time spent in process() per render quantum over the period, ms, and the quantum's budget. */
      renderMs: number;
      budgetMs: number;
    }
  /** The frame playback needs next is not loaded. */
  | { type: 'need'; frame: number }
  /** Playback reached the end of the track (after the seek `seq`). */
  | { type: 'ended'; seq: number }
  | { type: 'error'; message: string };
