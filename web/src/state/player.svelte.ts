// Playback of one track through Web Audio: decode in the worker, play from an AudioBuffer,
// keep the position from the audio clock (not timers), seek by restarting the source.
import { importWorkerApi } from '../workers/bridge.ts';

/** Samples per copy; slices are grouped into tasks of at most TASK_BUDGET_MS. */
const COPY_SLICE = 1 << 18;
/** Under the 50 ms long-task mark with room for the first touch of fresh memory. */
const TASK_BUDGET_MS = 25;

/** Lets other tasks run; unlike setTimeout(0) it is not clamped to 4 ms when repeated. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/**
 * Builds an AudioBuffer from decoded channels in slices, yielding whenever a task has run for
 * TASK_BUDGET_MS, so a long track does not freeze the page. Returns undefined if
 * `cancelled()` turns true meanwhile.
 */
async function fillAudioBuffer(
  channels: Float32Array[],
  sampleRate: number,
  cancelled: () => boolean,
): Promise<AudioBuffer | undefined> {
  const length = channels[0]?.length ?? 0;
  const buffer = new AudioBuffer({ length: Math.max(1, length), numberOfChannels: channels.length, sampleRate });
  let taskStart = performance.now();
  for (let start = 0; start < length; start += COPY_SLICE) {
    channels.forEach((channel, index) => {
      buffer.copyToChannel(channel.subarray(start, start + COPY_SLICE) as Float32Array<ArrayBuffer>, index, start);
    });
    if (performance.now() - taskStart > TASK_BUDGET_MS) {
      await yieldToPage();
      if (cancelled()) return undefined;
      taskStart = performance.now();
    }
  }
  return buffer;
}

export class Player {
  trackId = $state<string>();
  durationSec = $state(0);
  playing = $state(false);
  loading = $state(false);
  error = $state<string>();
  /** Where playback is, in seconds; follows the audio clock while playing. */
  positionSec = $state(0);

  private context?: AudioContext;
  private buffer?: AudioBuffer;
  private source?: AudioBufferSourceNode;
  /** Audio-clock time at which position 0 of the track would have played. */
  private originTime = 0;
  private frame = 0;
  private loadToken = 0;

  /** Decodes a stored track and makes it the current one (stopping what played before). */
  async load(trackId: string): Promise<void> {
    if (this.trackId === trackId && (this.buffer || this.loading)) return;
    this.stop();
    const token = ++this.loadToken;
    this.trackId = trackId;
    this.buffer = undefined;
    this.positionSec = 0;
    this.durationSec = 0;
    this.error = undefined;
    this.loading = true;
    try {
      const decoded = await importWorkerApi().decodeTrack(trackId);
      if (token !== this.loadToken) return;
      const length = decoded.channels[0]?.length ?? 0;
      const buffer = await fillAudioBuffer(decoded.channels, decoded.sampleRate, () => token !== this.loadToken);
      if (!buffer) return;
      this.buffer = buffer;
      this.durationSec = length / decoded.sampleRate;
    } catch (error) {
      if (token === this.loadToken) this.error = error instanceof Error ? error.message : String(error);
    } finally {
      if (token === this.loadToken) this.loading = false;
    }
  }

  /** Forgets the current track (e.g. it was deleted). */
  unload(): void {
    this.stop();
    this.loadToken++;
    this.trackId = undefined;
    this.buffer = undefined;
    this.loading = false;
    this.positionSec = 0;
    this.durationSec = 0;
  }

  async play(): Promise<void> {
    if (!this.buffer || this.playing) return;
    this.context ??= new AudioContext({ latencyHint: 'playback' });
    if (this.context.state === 'suspended') await this.context.resume();
    if (this.positionSec >= this.durationSec) this.positionSec = 0;
    this.startSource(this.positionSec);
    this.playing = true;
    this.tick();
  }

  pause(): void {
    if (!this.playing) return;
    this.positionSec = this.currentPosition();
    this.stop();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else void this.play();
  }

  /** Moves the playhead to `seconds` (clamped to the track), keeping play/pause as it was. */
  seek(seconds: number): void {
    const target = Math.min(Math.max(0, seconds), this.durationSec);
    if (this.playing) {
      this.source?.stop();
      this.startSource(target);
    }
    this.positionSec = target;
  }

  nudge(deltaSec: number): void {
    this.seek((this.playing ? this.currentPosition() : this.positionSec) + deltaSec);
  }

  /** The audio clock's own time, for tests and diagnostics. */
  get audioClockSec(): number {
    return this.context?.currentTime ?? 0;
  }

  private startSource(offsetSec: number): void {
    const context = this.context!;
    const source = new AudioBufferSourceNode(context, { buffer: this.buffer! });
    source.connect(context.destination);
    source.onended = () => {
      if (this.source !== source) return;
      this.positionSec = this.durationSec;
      this.stop();
    };
    source.start(0, offsetSec);
    this.originTime = context.currentTime - offsetSec;
    this.source = source;
  }

  private currentPosition(): number {
    if (!this.context) return this.positionSec;
    return Math.min(this.durationSec, Math.max(0, this.context.currentTime - this.originTime));
  }

  private tick = (): void => {
    if (!this.playing) return;
    this.positionSec = this.currentPosition();
    this.frame = requestAnimationFrame(this.tick);
  };

  private stop(): void {
    const source = this.source;
    this.source = undefined;
    if (source) {
      source.onended = null;
      source.stop();
      source.disconnect();
    }
    this.playing = false;
    cancelAnimationFrame(this.frame);
  }
}

export const player = new Player();
