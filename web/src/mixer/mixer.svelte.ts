// The stem mixer: every stem of one stem set played by one AudioWorklet on one clock (see
// mixer-processor.ts), streamed from IndexedDB a few seconds ahead of the playhead; channel
// strips, master fader and meters, presets, the A/B loop, speed and pitch, click and count-in.
import type { StemName } from '@sfa/shared/separation/types';
import type { BeatGrid } from '../app/beat-grid.ts';
import type { StemSetRecord } from '../storage/db.ts';
import { applyPreset, defaultStrip, MAX_DB, MIN_DB, type ChannelStrip, type MixPreset } from './strips.ts';
import { nextOnGrid, snapToGrid, type SnapUnit } from './snap.ts';

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

export class Mixer {
  /** The stem set being mixed. */
  set = $state.raw<StemSetRecord>();
  strips = $state<ChannelStrip[]>([]);
  masterDb = $state(0);
  playing = $state(false);
  /** Reading the first audio or starting the worklet. */
  loading = $state(false);
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

  /** Opens a stem set (stopping what played); `grid` gives the loop snap and the click. */
  async load(set: StemSetRecord, grid?: BeatGrid): Promise<void> {
    this.set = set;
    this.grid = grid;
    this.strips = set.stems.map(defaultStrip);
    this.durationSec = set.frames / set.sampleRate;
  }

  unload(): void {
    this.set = undefined;
  }

  async play(): Promise<void> {}
  pause(): void {}
  toggle(): void {
    if (this.playing) this.pause();
    else void this.play();
  }
  /** Moves the playhead (clamped), keeping play/pause; no click or gap. */
  seek(seconds: number): void {
    this.positionSec = Math.min(this.durationSec, Math.max(0, seconds));
  }
  nudge(deltaSec: number): void {
    this.seek(this.positionSec + deltaSec);
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
