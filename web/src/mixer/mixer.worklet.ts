// The mixer's AudioWorklet processor: every stem of a stem set mixed on the audio thread, from
// chunks the page streams in, on one clock: the frame counter of this processor. Stems cannot
// drift apart (they are summed from the same index), and the position is exact after hours.
//
// - Gains ramp across each render quantum, so mute, solo and faders never click.
// - A jump (seek, loop end in place) crossfades over CROSSFADE frames from where playback was.
// - At speed 1 and pitch 0 the mix goes straight out; otherwise the mix of a window of source
//   frames goes through the stretcher every quantum (see stretch.ts), locked to the position;
//   gains change once per quantum there, smoothed by the stretcher's overlap-add.
// - Clicks (on the beat grid, and the count-in) are added after the stretcher: they stay
//   short and at their own pitch whatever the speed.
import { CLICK_SEC, clickSample } from './click-sound.ts';
import type { FromProcessor, LevelPair, ToProcessor } from './protocol.ts';
import { createStretcher, type Stretcher } from './stretch.ts';

declare const sampleRate: number;
declare const currentTime: number;
declare function registerProcessor(name: string, processor: new (options: unknown) => AudioWorkletProcessor): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}

const QUANTUM = 128;
/** Frames a jump crossfades over (about 6 ms at 44.1 kHz). */
const CROSSFADE = 256;
/** The clicks' level in the mix (the track player's click track plays them at the same). */
const CLICK_GAIN = 0.5;
/** Ticks (position, meters, load) per second. */
const TICKS_PER_SEC = 30;

interface Chunk {
  start: number;
  frames: number;
  /** stems[stem][channel] */
  stems: Float32Array[][];
}

interface Click {
  /** Frames since it started (negative: starts later in this quantum). */
  age: number;
  accent: boolean;
}

/** The best clock this scope has: performance.now where exposed, else Date.now (unbiased on average). */
const now: () => number =
  typeof globalThis.performance?.now === 'function' ? () => globalThis.performance.now() : () => Date.now();

class MixerProcessor extends AudioWorkletProcessor {
  private stemCount = 0;
  private channels = 1;
  private frames = 0;
  /** Loaded chunks, ascending by start. */
  private chunks: Chunk[] = [];
  /** Index into `chunks` of the last hit, tried first. */
  private hint = 0;

  private playing = false;
  /** The source frame heard at the start of the next quantum (fractional when stretching). */
  private position = 0;
  private stalled = false;
  /** Closed by the page: the processor lets itself be collected. */
  private disposed = false;
  /** Ticks sent since playback stopped (a stopped mixer goes quiet after reporting it). */
  private idleTicks = 0;
  /** Frames left of the fade-out that ends playback on pause (0: not pausing). */
  private stopping = 0;
  private seq = 0;
  /** The frame last asked for while stalled. */
  private needed = -1;
  private fade?: { from: number; left: number; silent: boolean };

  private target: [number, number][] = [];
  private applied: [number, number][] = [];

  private loopStart = 0;
  private loopEnd = 0;
  private looping = false;

  private rate = 1;
  private semitones = 0;
  private stretcher?: Stretcher;

  private clickOn = false;
  private beats: Float64Array = new Float64Array(0);
  private accents: Uint8Array = new Uint8Array(0);
  private clicks: Click[] = [];
  private countIn?: { left: number; next: number; interval: number; count: number; perBar: number };

  private scratch: Float32Array[] = [new Float32Array(QUANTUM), new Float32Array(QUANTUM)];
  private fadeScratch: Float32Array[] = [new Float32Array(QUANTUM), new Float32Array(QUANTUM)];
  private masterLevels = [this.emptyLevel(), this.emptyLevel()];
  private stemLevels: { peak: number; sum: number }[] = [];
  private levelFrames = 0;
  private busyMs = 0;
  private quanta = 0;

  constructor(options: unknown) {
    super(options);
    this.port.onmessage = (event: MessageEvent<ToProcessor>) => this.receive(event.data);
  }

  private emptyLevel() {
    return { peak: 0, sum: 0 };
  }

  private post(message: FromProcessor): void {
    this.port.postMessage(message);
  }

  private receive(message: ToProcessor): void {
    switch (message.type) {
      case 'sync':
        this.post({ type: 'synced', id: message.id });
        break;
      case 'dispose':
        this.chunks = [];
        this.playing = false;
        this.disposed = true;
        break;
      case 'init':
        this.stemCount = message.stems;
        this.channels = message.channels;
        this.frames = message.frames;
        this.chunks = [];
        this.position = 0;
        this.playing = false;
        this.target = Array.from({ length: message.stems }, () => [1, 1]);
        this.applied = this.target.map((g) => [...g]);
        this.stemLevels = Array.from({ length: message.stems }, () => this.emptyLevel());
        // The stretcher always runs on the stereo mix.
        createStretcher(2, sampleRate).then(
          (stretcher) => {
            this.stretcher = stretcher;
            stretcher.setSemitones(this.semitones);
            this.post({ type: 'ready' });
          },
          (error: unknown) =>
            this.post({ type: 'error', message: `The time-stretcher did not start: ${String(error)}` }),
        );
        break;
      case 'chunk': {
        const chunk: Chunk = { start: message.start, frames: message.frames, stems: message.stems };
        const at = this.chunks.findIndex((c) => c.start >= chunk.start);
        if (at >= 0 && this.chunks[at]!.start === chunk.start) this.chunks[at] = chunk;
        else if (at < 0) this.chunks.push(chunk);
        else this.chunks.splice(at, 0, chunk);
        break;
      }
      case 'evict':
        this.chunks = this.chunks.filter((c) =>
          message.keep.some(([start, end]) => c.start < end && c.start + c.frames > start),
        );
        this.hint = 0;
        // What was dropped may be asked for again.
        this.needed = -1;
        break;
      case 'gains':
        this.target = message.gains;
        break;
      case 'play':
        this.stopping = 0;
        if (this.playing) break;
        this.playing = true;
        if (this.position >= this.frames) this.position = 0;
        this.fade = { from: 0, left: CROSSFADE, silent: true };
        this.countIn = message.countIn && {
          left: message.countIn.beats * message.countIn.intervalFrames,
          next: 0,
          interval: message.countIn.intervalFrames,
          count: 0,
          perBar: message.countIn.beatsPerBar,
        };
        break;
      case 'pause':
        // Fades out over CROSSFADE frames rather than stopping dead (a click).
        if (this.playing && !this.countIn) this.stopping = CROSSFADE;
        else this.playing = false;
        this.countIn = undefined;
        break;
      case 'seek':
        this.seq = message.seq;
        this.jump(Math.min(this.frames, Math.max(0, message.frame)));
        break;
      case 'loop':
        this.loopStart = message.start;
        this.loopEnd = Math.min(this.frames, message.end);
        this.looping = message.enabled && this.loopEnd - this.loopStart >= QUANTUM;
        break;
      case 'speed':
        this.rate = message.rate;
        this.semitones = message.semitones;
        this.stretcher?.setSemitones(message.semitones);
        break;
      case 'click':
        this.clickOn = message.enabled;
        this.beats = message.beats;
        this.accents = message.accents;
        break;
    }
  }

  /** Moves the playhead, crossfading from where it was when playing. */
  private jump(frame: number): void {
    const from = Math.round(this.position);
    // (During a count-in nothing has sounded yet: the music's own fade-in stays.)
    if (this.playing && !this.stalled && !this.countIn) this.fade = { from, left: CROSSFADE, silent: false };
    this.position = frame;
  }

  private chunkAt(frame: number): Chunk | undefined {
    const hinted = this.chunks[this.hint];
    if (hinted && frame >= hinted.start && frame < hinted.start + hinted.frames) return hinted;
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      if (frame >= chunk.start && frame < chunk.start + chunk.frames) {
        this.hint = i;
        return chunk;
      }
    }
    return undefined;
  }

  /** Whether every frame of [from, from + length) within the track is loaded. */
  private loaded(from: number, length: number): boolean {
    let frame = Math.max(0, from);
    const end = Math.min(this.frames, from + length);
    while (frame < end) {
      const chunk = this.chunkAt(frame);
      if (!chunk) return false;
      frame = chunk.start + chunk.frames;
    }
    return true;
  }

  /**
   * Adds the mix of source frames [from, from + length) into out[0..1] at `offset`, the gains
   * ramping from `applied` to `target` when `ramp`. Frames outside the track are silence.
   * Levels are gathered when `meter`.
   */
  private mix(out: Float32Array[], offset: number, from: number, length: number, ramp: boolean, meter: boolean): void {
    let done = 0;
    while (done < length) {
      const frame = from + done;
      if (frame < 0 || frame >= this.frames) {
        const skip = frame < 0 ? Math.min(length - done, -frame) : length - done;
        done += skip;
        continue;
      }
      const chunk = this.chunkAt(frame);
      if (!chunk) return;
      const within = frame - chunk.start;
      const n = Math.min(length - done, chunk.frames - within);
      for (let s = 0; s < this.stemCount; s++) {
        const channels = chunk.stems[s]!;
        const [tl, tr] = this.target[s] ?? [0, 0];
        const [al, ar] = ramp ? (this.applied[s] ?? [tl, tr]) : [tl, tr];
        if (tl === 0 && tr === 0 && al === 0 && ar === 0) continue;
        const left = channels[0]!;
        const right = channels[1] ?? left;
        const ol = out[0]!;
        const or = out[1]!;
        const level = this.stemLevels[s]!;
        for (let i = 0; i < n; i++) {
          const t = (done + i) / length;
          const gl = ramp ? al + (tl - al) * t : tl;
          const gr = ramp ? ar + (tr - ar) * t : tr;
          const l = gl * left[within + i]!;
          const r = gr * right[within + i]!;
          ol[offset + done + i]! += l;
          or[offset + done + i]! += r;
          if (meter) {
            const a = Math.max(Math.abs(l), Math.abs(r));
            if (a > level.peak) level.peak = a;
            level.sum += (l * l + r * r) / 2;
          }
        }
      }
      done += n;
    }
  }

  /** Renders the music into out at [offset, offset + length); false if it had to stall. */
  private renderMusic(out: Float32Array[], offset: number, length: number): boolean {
    const stretch = this.rate !== 1 || this.semitones !== 0;
    if (stretch && this.stretcher) return this.renderStretched(out, offset, length);
    if (!Number.isInteger(this.position)) {
      // Back from the stretcher, whose steps leave a fraction: on to the whole frame, faded in.
      this.position = Math.round(this.position);
      this.fade = { from: 0, left: CROSSFADE, silent: true };
    }
    let done = 0;
    while (done < length) {
      // With the loop on, reaching or being past its end goes back to its start.
      const end = this.looping ? this.loopEnd : this.frames;
      if (this.position >= end) {
        if (this.looping) {
          this.jump(this.loopStart);
          continue;
        }
        this.playing = false;
        this.post({ type: 'ended', seq: this.seq });
        break;
      }
      const n = Math.min(length - done, end - this.position);
      if (!this.loaded(this.position, n)) return this.stall(this.position);
      if (this.fade && !this.fade.silent && !this.loaded(this.fade.from, n)) this.fade.silent = true;
      this.mix(out, offset + done, this.position, n, true, true);
      this.clicksIn(this.position, n, 1, offset + done);
      if (this.fade) this.crossfade(out, offset + done, n);
      this.position += n;
      done += n;
    }
    return true;
  }

  /** Waits for `frame` to be loaded: silence now, a fade-in when it comes. */
  private stall(frame: number): false {
    this.stalled = true;
    this.fade = { from: 0, left: CROSSFADE, silent: true };
    if (frame !== this.needed) this.post({ type: 'need', frame });
    this.needed = frame;
    return false;
  }

  /** Blends what played before a jump (continuing from `fade.from`) out as the new audio fades in. */
  private crossfade(out: Float32Array[], offset: number, length: number): void {
    const fade = this.fade!;
    const old = this.fadeScratch;
    old[0]!.fill(0);
    old[1]!.fill(0);
    if (!fade.silent) this.mix(old, 0, fade.from, length, true, false);
    for (let i = 0; i < length && fade.left > 0; i++, fade.left--) {
      const w = 1 - fade.left / CROSSFADE;
      out[0]![offset + i] = w * out[0]![offset + i]! + (1 - w) * old[0]![i]!;
      out[1]![offset + i] = w * out[1]![offset + i]! + (1 - w) * old[1]![i]!;
    }
    fade.from += length;
    if (fade.left <= 0) this.fade = undefined;
  }

  private renderStretched(out: Float32Array[], offset: number, length: number): boolean {
    const stretcher = this.stretcher!;
    const rate = this.rate;
    const start = Math.floor(this.position);
    const window = stretcher.input();
    const windowEnd = start + stretcher.lookAhead(rate);
    const windowStart = windowEnd - stretcher.windowFrames;
    // The window as it will be heard: past the loop end it continues from the loop start.
    const pieces = this.windowPieces(windowStart, stretcher.windowFrames);
    for (const [from, , n] of pieces) {
      if (!this.loaded(from, n)) return this.stall(from);
    }
    window[0]!.fill(0);
    window[1]!.fill(0);
    for (const [from, at, n] of pieces) this.mix(window, at, from, n, false, false);
    // Levels over the frames this quantum moves past.
    const heard = this.scratch;
    heard[0]!.fill(0);
    heard[1]!.fill(0);
    this.mix(heard, 0, start, Math.min(QUANTUM, Math.max(1, Math.round(length * rate))), false, true);
    stretcher.render(rate, out, offset, length);
    this.clicksIn(this.position, length * rate, rate, offset);
    this.position += length * rate;
    if (this.looping && this.position >= this.loopEnd) {
      // Just crossed the end: wrap keeping the fraction; far past it (the loop was set behind
      // the playhead): back to the start.
      this.position = start < this.loopEnd ? this.position - (this.loopEnd - this.loopStart) : this.loopStart;
    }
    if (this.position >= this.frames) {
      this.playing = false;
      this.post({ type: 'ended', seq: this.seq });
    }
    // The stretcher smooths jumps itself.
    this.fade = undefined;
    return true;
  }

  /** [source frame, window offset, length] pieces of a window, wrapped at the loop end. */
  private windowPieces(windowStart: number, length: number): [number, number, number][] {
    if (!this.looping || windowStart + length <= this.loopEnd || windowStart >= this.loopEnd) {
      return [[windowStart, 0, length]];
    }
    const first = this.loopEnd - windowStart;
    const pieces: [number, number, number][] = [[windowStart, 0, first]];
    const span = this.loopEnd - this.loopStart;
    for (let at = first; at < length; at += span) pieces.push([this.loopStart, at, Math.min(span, length - at)]);
    return pieces;
  }

  /** Starts clicks for beats in source frames [from, from + span), placed at output `offset`. */
  private clicksIn(from: number, span: number, rate: number, offset: number): void {
    if (!this.clickOn || this.beats.length === 0) return;
    let low = 0;
    let high = this.beats.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.beats[mid]! < from) low = mid + 1;
      else high = mid;
    }
    for (let b = low; b < this.beats.length && this.beats[b]! < from + span; b++) {
      this.clicks.push({ age: -Math.round(offset + (this.beats[b]! - from) / rate), accent: this.accents[b] === 1 });
    }
  }

  /** Adds the sounding clicks into out for one quantum. */
  private renderClicks(out: Float32Array[]): void {
    const length = Math.round(CLICK_SEC * sampleRate);
    for (const click of this.clicks) {
      for (let i = 0; i < QUANTUM; i++) {
        const x = CLICK_GAIN * clickSample(click.age + i, sampleRate, click.accent);
        out[0]![i]! += x;
        out[1]![i]! += x;
      }
      click.age += QUANTUM;
    }
    this.clicks = this.clicks.filter((click) => click.age < length);
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const started = now();
    // The node has one stereo output (outputChannelCount [2]).
    const stereo = outputs[0]!;
    stereo[0]!.fill(0);
    stereo[1]!.fill(0);
    if (this.playing) {
      this.stalled = false;
      let musicFrom = 0;
      if (this.countIn) {
        const countIn = this.countIn;
        while (countIn.next < QUANTUM && countIn.left > countIn.next) {
          this.clicks.push({ age: -countIn.next, accent: countIn.count % countIn.perBar === 0 });
          countIn.count++;
          countIn.next += countIn.interval;
        }
        countIn.next -= QUANTUM;
        if (countIn.left >= QUANTUM) {
          countIn.left -= QUANTUM;
          musicFrom = QUANTUM;
        } else {
          musicFrom = countIn.left;
          this.countIn = undefined;
        }
      }
      if (musicFrom < QUANTUM && this.renderMusic(stereo, musicFrom, QUANTUM - musicFrom)) this.needed = -1;
      if (!this.stalled) this.applied = this.target.map((g) => [...g] as [number, number]);
      if (this.stopping > 0) this.fadeOut(stereo);
    }
    this.renderClicks(stereo);
    this.meter(stereo);
    this.busyMs += now() - started;
    this.quanta++;
    return !this.disposed;
  }

  private fadeOut(out: Float32Array[]): void {
    for (let i = 0; i < QUANTUM; i++) {
      const gain = Math.max(0, this.stopping - i) / CROSSFADE;
      out[0]![i]! *= gain;
      out[1]![i]! *= gain;
    }
    this.stopping = Math.max(0, this.stopping - QUANTUM);
    if (this.stopping === 0) this.playing = false;
  }

  private meter(out: Float32Array[]): void {
    out.forEach((channel, c) => {
      const level = this.masterLevels[c]!;
      for (let i = 0; i < QUANTUM; i++) {
        const a = Math.abs(channel[i]!);
        if (a > level.peak) level.peak = a;
        level.sum += channel[i]! * channel[i]!;
      }
    });
    this.levelFrames += QUANTUM;
    if (this.levelFrames < sampleRate / TICKS_PER_SEC) return;
    // Stopped and silent: a couple of ticks say so (meters fall to nothing), then quiet.
    const idle = !this.playing && this.clicks.length === 0;
    this.idleTicks = idle ? this.idleTicks + 1 : 0;
    if (this.idleTicks > 2) {
      this.levelFrames = 0;
      this.busyMs = 0;
      this.quanta = 0;
      return;
    }
    const pair = (level: { peak: number; sum: number }): LevelPair => ({
      peak: level.peak,
      rms: Math.sqrt(level.sum / this.levelFrames),
    });
    this.post({
      type: 'tick',
      seq: this.seq,
      position: this.position,
      // The end of this quantum: where `position` (already advanced past it) is heard.
      time: currentTime + QUANTUM / sampleRate,
      playing: this.playing,
      countingIn: this.countIn !== undefined,
      stalled: this.stalled,
      master: this.masterLevels.map(pair),
      stems: this.stemLevels.map(pair),
      renderMs: this.busyMs / this.quanta,
      budgetMs: (QUANTUM / sampleRate) * 1000,
    });
    this.masterLevels = [this.emptyLevel(), this.emptyLevel()];
    this.stemLevels = this.stemLevels.map(() => this.emptyLevel());
    this.levelFrames = 0;
    this.busyMs = 0;
    this.quanta = 0;
  }
}

registerProcessor('sfa-mixer', MixerProcessor);
