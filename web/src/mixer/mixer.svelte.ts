// The stem mixer: every stem of one stem set played by one AudioWorklet on one clock (see
// mixer.worklet.ts), streamed from IndexedDB a few seconds ahead of the playhead; channel
// strips, master fader and meters, presets, the A/B loop, speed and pitch, click and count-in.
import { errorMessage } from '@sfa/shared/protocol/errors';
import type { StemName } from '@sfa/shared/separation/types';
import { untrack } from 'svelte';
import { downbeatFlags, SAME_BEAT_SEC, type BeatGrid } from '../app/beat-grid.ts';
import { openLibrary, type StemChunkRecord, type StemSetRecord } from '../storage/db.ts';
import { chunkAt } from '../storage/job-store.ts';
import workletUrl from './mixer.worklet.ts?worker&url';
import type { CountIn, FromProcessor, LevelPair, ToProcessor } from './protocol.ts';
import { nextOnGrid, snapToGrid, type SnapUnit } from './snap.ts';
import {
  applyPreset,
  defaultStrip,
  gainToDb,
  MAX_DB,
  MIN_DB,
  stripGains,
  type ChannelStrip,
  type MixPreset,
} from './strips.ts';

export interface Level {
  /** Peak and RMS over the last meter period, dBFS (-Infinity for silence). */
  peakDb: number;
  rmsDb: number;
}

export interface LoopRegion {
  startSec: number;
  endSec: number;
}

export const MIN_SPEED = 0.5;
export const MAX_SPEED = 1.5;
export const MAX_SEMITONES = 12;

/** Audio kept loaded ahead of and behind the playhead (source seconds). */
const AHEAD_SEC = 20;
const BEHIND_SEC = 2;

function toLevel(pair: LevelPair): Level {
  return { peakDb: gainToDb(pair.peak), rmsDb: gainToDb(pair.rms) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/** The beat period and bar length (in beats) around `seconds`. */
function meterAt(grid: BeatGrid, seconds: number): { beatSec: number; beatsPerBar: number } | undefined {
  const { beats, downbeats } = grid;
  if (beats.length < 2) return undefined;
  let at = beats.findIndex((b) => b >= seconds);
  if (at < 0) at = beats.length - 1;
  const from = Math.max(1, at - 8);
  const gaps: number[] = [];
  for (let i = from; i < Math.min(beats.length, at + 8); i++) gaps.push(beats[i]! - beats[i - 1]!);
  const counts: number[] = [];
  for (let d = 1; d < downbeats.length; d++) {
    counts.push(
      beats.filter((b) => b >= downbeats[d - 1]! - SAME_BEAT_SEC && b < downbeats[d]! - SAME_BEAT_SEC).length,
    );
  }
  const beatsPerBar = Math.min(12, Math.max(1, median(counts) || 4));
  return { beatSec: median(gaps), beatsPerBar };
}

export class Mixer {
  /** The stem set being mixed. */
  set = $state.raw<StemSetRecord>();
  strips = $state<ChannelStrip[]>([]);
  masterDb = $state(0);
  playing = $state(false);
  /** Reading the first audio or starting the worklet. */
  loading = $state(false);
  /** Playing but waiting for audio to be read (a seek far away on a slow disk). */
  stalled = $state(false);
  error = $state<string>();
  positionSec = $state(0);
  durationSec = $state(0);
  grid = $state.raw<BeatGrid>();

  loop = $state<LoopRegion>();
  loopEnabled = $state(false);
  snap = $state<SnapUnit>('bar');

  /** Playback speed, 0.5-1.5 (1 = as recorded), without changing pitch. */
  speed = $state(1);
  /** Pitch shift, semitones, -12…12, without changing tempo. */
  semitones = $state(0);
  /** Click on the beat grid while playing. */
  click = $state(false);
  /** Bars counted in (clicks before the music) when play starts; 0 for none. */
  countInBars = $state(0);
  /** True while the count-in plays. */
  countingIn = $state(false);

  /** Master output, per channel (left, right). */
  master = $state<Level[]>([]);
  /** Each stem after its fader, pan, mute and solo: max over its channels. */
  levels = $state<Partial<Record<StemName, Level>>>({});
  /** The worklet's mean time per render quantum, and the quantum's length (its budget), ms. */
  renderMs = $state(0);
  budgetMs = $state(0);

  private context?: AudioContext;
  private node?: AudioWorkletNode;
  /** Bumped by every load and unload; async steps of an older one give up. */
  private token = 0;
  private seekSeq = 0;
  /** Chunks the worklet holds: start frame → frames. Not rendered. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private held = new Map<number, number>();
  private filling?: Promise<void>;
  private refill = false;
  /** A frame that must be loaded (a seek's target, what the worklet waits for). */
  private wanted?: number;
  private lastTick?: { position: number; time: number };
  private frame = 0;
  private ready?: () => void;
  private failed?: (error: Error) => void;

  constructor() {
    $effect.root(() => {
      $effect(() => {
        const gains = stripGains(this.strips, this.masterDb);
        untrack(() => this.send({ type: 'gains', gains }));
      });
      $effect(() => {
        const message = this.loopMessage();
        untrack(() => {
          this.send(message);
          this.requestFill();
        });
      });
      $effect(() => {
        const message: ToProcessor = { type: 'speed', rate: this.speed, semitones: this.semitones };
        untrack(() => this.send(message));
      });
      $effect(() => {
        const message = this.clickMessage();
        untrack(() => this.send(message));
      });
    });
  }

  private get sampleRate(): number {
    return this.set?.sampleRate ?? 44_100;
  }

  private loopMessage(): ToProcessor {
    const rate = this.sampleRate;
    const loop = this.loop;
    return {
      type: 'loop',
      start: Math.round((loop?.startSec ?? 0) * rate),
      end: Math.round((loop?.endSec ?? 0) * rate),
      enabled: this.loopEnabled && loop !== undefined,
    };
  }

  private clickMessage(): ToProcessor {
    const rate = this.sampleRate;
    const beats = this.grid?.beats ?? [];
    const downbeats = this.grid?.downbeats ?? [];
    return {
      type: 'click',
      enabled: this.click,
      beats: Float64Array.from(beats, (b) => b * rate),
      accents: Uint8Array.from(downbeatFlags(beats, downbeats), Number),
    };
  }

  private send(message: ToProcessor, transfer: Transferable[] = []): void {
    this.node?.port.postMessage(message, transfer);
  }

  /** An AudioContext at `sampleRate` with the mixer's processor loaded (one per open mixer). */
  private async contextFor(sampleRate: number): Promise<AudioContext> {
    // At the stems' own rate: a source frame is an output frame (the browser resamples to the device).
    const context = new AudioContext({ sampleRate, latencyHint: 'interactive' });
    this.context = context;
    try {
      await context.audioWorklet.addModule(workletUrl);
    } catch (error) {
      void context.close().catch(() => undefined);
      if (this.context === context) this.context = undefined;
      throw error;
    }
    return context;
  }

  /** Opens a stem set (stopping what played); `grid` gives the loop snap and the click. */
  async load(set: StemSetRecord, grid?: BeatGrid): Promise<void> {
    this.unload();
    const token = this.token;
    this.set = set;
    this.grid = grid;
    this.strips = set.stems.map(defaultStrip);
    this.durationSec = set.frames / set.sampleRate;
    this.loading = true;
    try {
      const context = await this.contextFor(set.sampleRate);
      if (token !== this.token) return;
      const node = new AudioWorkletNode(context, 'sfa-mixer', {
        numberOfInputs: 0,
        numberOfOutputs: 1,
        outputChannelCount: [2],
      });
      const ready = new Promise<void>((resolve, reject) => {
        this.ready = resolve;
        this.failed = reject;
      });
      node.port.onmessage = (event: MessageEvent<FromProcessor>) => {
        if (token === this.token) this.receive(event.data);
      };
      node.onprocessorerror = () => {
        if (token !== this.token) return;
        this.error = 'The mixer stopped with an error; open it again.';
        this.failed?.(new Error('the audio processor failed'));
        this.stopTicking();
        this.playing = false;
        this.master = [];
        this.levels = {};
      };
      node.connect(context.destination);
      this.node = node;
      this.send({ type: 'init', stems: set.stems.length, channels: set.channelCount, frames: set.frames });
      // The node's seek counter starts at this mixer's, so its ticks are not taken for stale ones.
      this.send({ type: 'seek', frame: 0, seq: this.seekSeq });
      this.send({ type: 'gains', gains: stripGains(this.strips, this.masterDb) });
      this.send({ type: 'speed', rate: this.speed, semitones: this.semitones });
      this.send(this.loopMessage());
      this.send(this.clickMessage());
      await Promise.all([ready, this.requestFill()]);
    } catch (error) {
      if (token === this.token) this.error = `The mixer cannot start: ${errorMessage(error)}`;
    } finally {
      if (token === this.token) this.loading = false;
    }
  }

  /** Stops and closes the stem set (leaving the track): the worklet lets go of its audio and the context closes. */
  unload(): void {
    this.token++;
    this.stopTicking();
    const { node, context, playing } = this;
    if (node) {
      if (playing) node.port.postMessage({ type: 'pause' } satisfies ToProcessor);
      node.port.postMessage({ type: 'dispose' } satisfies ToProcessor);
      node.port.close();
    }
    // After the pause's 6 ms fade-out, not in the middle of a sample.
    setTimeout(
      () => {
        node?.disconnect();
        void context?.close().catch(() => undefined);
      },
      playing ? 30 : 0,
    );
    this.node = undefined;
    this.context = undefined;
    this.ready = undefined;
    this.failed = undefined;
    this.held.clear();
    this.filling = undefined;
    this.wanted = undefined;
    this.lastTick = undefined;
    this.set = undefined;
    this.strips = [];
    this.playing = false;
    this.loading = false;
    this.stalled = false;
    this.countingIn = false;
    this.error = undefined;
    this.positionSec = 0;
    this.durationSec = 0;
    this.loop = undefined;
    this.loopEnabled = false;
    this.master = [];
    this.levels = {};
  }

  private receive(message: FromProcessor): void {
    switch (message.type) {
      case 'ready':
        this.ready?.();
        break;
      case 'tick': {
        this.renderMs = message.renderMs;
        this.budgetMs = message.budgetMs;
        this.master = message.master.map(toLevel);
        const levels: Partial<Record<StemName, Level>> = {};
        this.set?.stems.forEach((stem, s) => {
          if (message.stems[s]) levels[stem] = toLevel(message.stems[s]);
        });
        this.levels = levels;
        if (message.seq !== this.seekSeq) break; // from before the latest seek
        this.countingIn = message.countingIn;
        this.stalled = message.stalled;
        this.lastTick = { position: message.position, time: message.time };
        if (!this.playing) this.positionSec = Math.min(this.durationSec, message.position / this.sampleRate);
        if (this.playing && !this.error) this.requestFill();
        break;
      }
      case 'need':
        this.wanted = message.frame;
        this.requestFill();
        break;
      case 'ended':
        if (message.seq !== this.seekSeq) break; // a seek went out after it
        this.playing = false;
        this.countingIn = false;
        this.stopTicking();
        this.positionSec = this.durationSec;
        break;
      case 'error':
        this.error = message.message;
        this.failed?.(new Error(message.message));
        break;
      case 'synced':
        break;
    }
  }

  /**
   * [start, end) frame ranges to keep loaded, most urgent first: what playback waits for, the
   * playhead's look-ahead (up to the loop's end while looping), and the loop's start (what
   * playback wraps into). At most about 2 × AHEAD_SEC of audio, however long the loop.
   */
  private keepRanges(): [number, number][] {
    const rate = this.sampleRate;
    const at = Math.round(this.positionSec * rate);
    const ahead = Math.round(AHEAD_SEC * rate * Math.max(1, this.speed));
    const ranges: [number, number][] = [];
    if (this.wanted !== undefined) ranges.push([this.wanted, this.wanted + 2 * rate]);
    const loop = this.loop && this.loopEnabled ? this.loop : undefined;
    const loopStart = loop && Math.round(loop.startSec * rate);
    const loopEnd = loop && Math.round(loop.endSec * rate);
    const inLoop = loopStart !== undefined && loopEnd !== undefined && at < loopEnd;
    ranges.push([at - BEHIND_SEC * rate, inLoop ? Math.min(at + ahead, loopEnd + rate) : at + ahead]);
    if (loopStart !== undefined && loopEnd !== undefined) {
      ranges.push([loopStart, Math.min(loopEnd + rate, loopStart + ahead)]);
    }
    return ranges;
  }

  /** The first frame in `ranges` (within the track) that no held chunk covers. */
  private firstMissing(ranges: [number, number][]): number | undefined {
    const frames = this.set?.frames ?? 0;
    for (const [start, end] of ranges) {
      let frame = Math.max(0, start);
      const stop = Math.min(frames, end);
      while (frame < stop) {
        let covered = false;
        for (const [chunkStart, chunkFrames] of this.held) {
          if (frame >= chunkStart && frame < chunkStart + chunkFrames) {
            frame = chunkStart + chunkFrames;
            covered = true;
            break;
          }
        }
        if (!covered) return frame;
      }
    }
    return undefined;
  }

  /** Streams the chunks the keep ranges need into the worklet and drops the others; one run at a time. */
  private requestFill(): Promise<void> {
    if (this.filling) {
      this.refill = true;
      return this.filling;
    }
    const token = this.token;
    const set = this.set;
    if (!set || !this.node) return Promise.resolve();
    const run = async () => {
      const db = await openLibrary();
      do {
        this.refill = false;
        const ranges = this.keepRanges();
        for (let frame = this.firstMissing(ranges); frame !== undefined; frame = this.firstMissing(ranges)) {
          const chunk = await chunkAt(db, set.id, frame);
          if (token !== this.token) return;
          if (!chunk) throw new Error(`the stems have no audio at ${(frame / set.sampleRate).toFixed(2)} s`);
          this.sendChunk(chunk);
        }
        if (this.wanted !== undefined && this.firstMissing([[this.wanted, this.wanted + 1]]) === undefined) {
          this.wanted = undefined;
        }
        // The worklet drops by the same test, so it has something to drop only when this does.
        const keep = this.keepRanges();
        let dropped = false;
        for (const [start, frames] of this.held) {
          if (keep.some(([from, to]) => start < to && start + frames > from)) continue;
          this.held.delete(start);
          dropped = true;
        }
        if (dropped) this.send({ type: 'evict', keep });
      } while (this.refill && token === this.token);
    };
    this.filling = run()
      .catch((error: unknown) => {
        if (token !== this.token) return;
        // Stop rather than play on silent: the user sees why, and Play tries again.
        this.error = `The stems cannot be read: ${errorMessage(error)}`;
        this.pause();
      })
      .finally(() => {
        if (token === this.token) this.filling = undefined;
      });
    return this.filling;
  }

  async play(): Promise<void> {
    const context = this.context;
    if (!this.node || !context || this.playing) return;
    // Claim the start now: a second press while the context resumes must not start twice.
    this.playing = true;
    const token = this.token;
    this.error = undefined;
    try {
      await context.resume();
    } catch (error) {
      if (token === this.token) {
        this.playing = false;
        this.error = `Audio output is not available: ${errorMessage(error)}`;
      }
      return;
    }
    if (token !== this.token || !this.playing) return;
    if (this.positionSec >= this.durationSec) await this.moveTo(0);
    const countIn = this.countInMessage();
    // Counted in, the music starts on the beat at or before the playhead, in time with the clicks.
    if (countIn) await this.moveTo(countIn.fromSec);
    this.wanted = Math.round(this.positionSec * this.sampleRate);
    await this.requestFill();
    if (token !== this.token || !this.playing) return;
    this.countingIn = countIn !== undefined;
    this.lastTick = undefined;
    this.send({ type: 'play', ...(countIn && { countIn: countIn.message }) });
    this.tick();
  }

  private countInMessage(): { message: CountIn; fromSec: number } | undefined {
    if (this.countInBars <= 0 || !this.grid) return undefined;
    const meter = meterAt(this.grid, this.positionSec);
    if (!meter || meter.beatSec <= 0) return undefined;
    const beats = this.grid.beats;
    const previous = beats.findLast((b) => b <= this.positionSec + 1e-3);
    return {
      fromSec: previous ?? this.positionSec,
      message: {
        beats: this.countInBars * meter.beatsPerBar,
        intervalFrames: Math.round((meter.beatSec * this.sampleRate) / this.speed),
        beatsPerBar: meter.beatsPerBar,
      },
    };
  }

  pause(): void {
    if (!this.playing) return;
    this.send({ type: 'pause' });
    this.playing = false;
    this.countingIn = false;
    this.stopTicking();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else void this.play();
  }

  /** Moves the playhead (clamped), keeping play/pause; the worklet crossfades, so no click. */
  seek(seconds: number): void {
    void this.moveTo(seconds);
  }

  /** `seek`, resolving once the worklet has been told. */
  private async moveTo(seconds: number): Promise<void> {
    const target = Math.min(this.durationSec, Math.max(0, seconds));
    this.positionSec = target;
    const frame = Math.round(target * this.sampleRate);
    const seq = ++this.seekSeq;
    this.lastTick = undefined;
    this.wanted = frame;
    const token = this.token;
    // While playing, jump once the audio there is loaded (the music goes on until then); the
    // rest of the look-ahead follows.
    try {
      await this.loadAt(frame);
      if (token === this.token && seq === this.seekSeq) this.send({ type: 'seek', frame, seq });
      void this.requestFill();
    } catch (error) {
      if (token === this.token) this.error = `The stems cannot be read: ${errorMessage(error)}`;
    }
  }

  /** Sends the chunk holding `frame` to the worklet unless it has it. */
  private async loadAt(frame: number): Promise<void> {
    const set = this.set;
    if (!set || !this.node || frame >= set.frames || this.firstMissing([[frame, frame + 1]]) === undefined) return;
    const token = this.token;
    const chunk = await chunkAt(await openLibrary(), set.id, frame);
    if (token !== this.token || !chunk) return;
    this.sendChunk(chunk);
  }

  private sendChunk(chunk: StemChunkRecord): void {
    const stems = this.set!.stems.map((stem) => chunk.stems[stem]!);
    const buffers = stems
      .flat()
      .map((channel) => channel.buffer as ArrayBuffer)
      .filter((buffer, i, all) => all.indexOf(buffer) === i);
    this.send({ type: 'chunk', start: chunk.startFrame, frames: chunk.frames, stems }, buffers);
    this.held.set(chunk.startFrame, chunk.frames);
  }

  nudge(deltaSec: number): void {
    this.seek(this.positionSec + deltaSec);
  }

  private tick = (): void => {
    cancelAnimationFrame(this.frame);
    if (!this.playing) return;
    const context = this.context;
    if (context && this.lastTick && !this.countingIn && !this.stalled) {
      const rate = this.sampleRate;
      let position = this.lastTick.position + (context.currentTime - this.lastTick.time) * rate * this.speed;
      // Between ticks the loop's end is as far as the playhead can go.
      if (this.loopEnabled && this.loop && this.lastTick.position < this.loop.endSec * rate) {
        position = Math.min(position, this.loop.endSec * rate);
      }
      this.positionSec = Math.min(this.durationSec, position / rate);
    }
    this.frame = requestAnimationFrame(this.tick);
  };

  private stopTicking(): void {
    cancelAnimationFrame(this.frame);
  }

  strip(stem: StemName): ChannelStrip | undefined {
    return this.strips.find((s) => s.stem === stem);
  }
  setGain(stem: StemName, db: number): void {
    const strip = this.strip(stem);
    if (strip) strip.gainDb = Math.min(MAX_DB, Math.max(MIN_DB, db));
  }
  setPan(stem: StemName, pan: number): void {
    const strip = this.strip(stem);
    if (strip) strip.pan = Math.min(1, Math.max(-1, pan));
  }
  toggleMute(stem: StemName): void {
    const strip = this.strip(stem);
    if (strip) strip.muted = !strip.muted;
  }
  toggleSolo(stem: StemName): void {
    const strip = this.strip(stem);
    if (strip) strip.soloed = !strip.soloed;
  }
  setMasterDb(db: number): void {
    this.masterDb = Math.min(MAX_DB, Math.max(MIN_DB, db));
  }
  applyPreset(preset: MixPreset): void {
    this.strips = applyPreset(this.strips, preset);
  }

  /** Sets loop point A (start) or B (end) at `seconds`, snapped to the grid by `snap`. */
  setLoopPoint(which: 'a' | 'b', seconds: number): void {
    const at = which === 'a' ? snapToGrid(seconds, this.grid, this.snap) : nextOnGrid(seconds, this.grid, this.snap);
    const current = this.loop ?? { startSec: 0, endSec: this.durationSec };
    const next = which === 'a' ? { ...current, startSec: at } : { ...current, endSec: at };
    if (next.endSec <= next.startSec) next.endSec = Math.min(this.durationSec, next.startSec + 1);
    this.loop = next;
    this.loopEnabled = true;
  }
  clearLoop(): void {
    this.loop = undefined;
    this.loopEnabled = false;
  }
  toggleLoop(): void {
    if (this.loop) this.loopEnabled = !this.loopEnabled;
  }
  setSpeed(speed: number): void {
    this.speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
  }
  setSemitones(semitones: number): void {
    this.semitones = Math.round(Math.min(MAX_SEMITONES, Math.max(-MAX_SEMITONES, semitones)));
  }
  toggleClick(): void {
    this.click = !this.click;
  }
}

export const mixer = new Mixer();
