// Playback of one track through Web Audio: decode in the worker, play from an AudioBuffer,
// keep the position from the audio clock (not timers), seek by restarting the source.
import * as Comlink from 'comlink';
import { errorMessage, isAbortError } from '@sfa/shared/protocol/errors';
import { importWorker } from '../workers/bridge.ts';

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

let nextDecode = 0;

/** Where track time 0 falls on an audio context's clock, while a track plays. */
export interface PlaybackTimeline {
  context: AudioContext;
  /** `context.currentTime` at which position 0 of the track would have played. */
  originTime: number;
}

export class Player {
  trackId = $state<string>();
  /** The track's length: from the library while decoding, then exact from the decoded audio. */
  durationSec = $state(0);
  playing = $state(false);
  loading = $state(false);
  /** Decode progress while loading, in [0, 1]. */
  loadFraction = $state(0);
  error = $state<string>();
  /** Where playback is, in seconds; follows the audio clock while playing. */
  positionSec = $state(0);

  private context?: AudioContext;
  private buffer?: AudioBuffer;
  private source?: AudioBufferSourceNode;
  /** Audio-clock time at which position 0 of the track would have played. */
  private originTime = 0;
  private frame = 0;
  /** Bumped by every load, unload and play; an async step whose token is stale gives up. */
  private token = 0;
  private decodeJob?: string;
  // Not state: callbacks, never rendered.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly timelineListeners = new Set<() => void>();

  /** While playing: the clock the audio follows, for sounds scheduled in time with it. */
  get timeline(): PlaybackTimeline | undefined {
    return this.source && this.context ? { context: this.context, originTime: this.originTime } : undefined;
  }

  /**
   * Calls `listener` synchronously whenever `timeline` changes (play, seek, pause, end), so
   * sounds scheduled against the old one can be withdrawn before they play. Returns the
   * unsubscribe function.
   */
  onTimelineChange(listener: () => void): () => void {
    this.timelineListeners.add(listener);
    return () => this.timelineListeners.delete(listener);
  }

  private timelineChanged(): void {
    for (const listener of this.timelineListeners) listener();
  }

  /**
   * Decodes a stored track and makes it the current one (stopping what played before).
   * `knownDurationSec` (from the library) lets the user seek before decoding has finished.
   */
  async load(trackId: string, knownDurationSec = 0): Promise<void> {
    if (this.trackId === trackId && (this.buffer || this.loading)) return;
    this.unload();
    const token = this.token;
    const job = `decode-${nextDecode++}`;
    this.decodeJob = job;
    this.trackId = trackId;
    this.durationSec = knownDurationSec;
    this.loading = true;
    const onProgress = Comlink.proxy((fraction: number) => {
      if (token === this.token) this.loadFraction = Math.max(this.loadFraction, fraction);
    });
    try {
      const decoded = await importWorker.call((api) => api.decodeTrack(job, trackId, onProgress));
      if (token !== this.token) return;
      const buffer = await fillAudioBuffer(decoded.channels, decoded.sampleRate, () => token !== this.token);
      if (!buffer) return;
      this.buffer = buffer;
      this.durationSec = buffer.length / buffer.sampleRate;
      this.positionSec = Math.min(this.positionSec, this.durationSec);
    } catch (error) {
      if (token === this.token && !isAbortError(error)) {
        this.error = errorMessage(error);
      }
    } finally {
      if (token === this.token) {
        this.loading = false;
        this.decodeJob = undefined;
      }
    }
  }

  /** Stops and forgets the current track, cancelling its decode and freeing its audio. */
  unload(): void {
    this.stop();
    this.token++;
    if (this.decodeJob) {
      const job = this.decodeJob;
      void importWorker.call((api) => api.cancel(job)).catch(() => undefined);
    }
    this.decodeJob = undefined;
    this.trackId = undefined;
    this.buffer = undefined;
    this.loading = false;
    this.loadFraction = 0;
    this.error = undefined;
    this.positionSec = 0;
    this.durationSec = 0;
    // Nothing is playing: let the audio device idle.
    void this.context?.suspend().catch(() => undefined);
  }

  async play(): Promise<void> {
    if (!this.buffer || this.playing) return;
    // Claim the start now: a second press while the context resumes must not start twice.
    this.playing = true;
    const token = ++this.token;
    this.context ??= new AudioContext({ latencyHint: 'playback' });
    try {
      if (this.context.state !== 'running') await this.context.resume();
    } catch (error) {
      if (token === this.token) {
        this.playing = false;
        this.error = `Audio output is not available: ${errorMessage(error)}`;
      }
      return;
    }
    // Paused, unloaded or replaced while resuming: do not start.
    if (token !== this.token || !this.playing || !this.buffer) return;
    if (this.positionSec >= this.durationSec) this.positionSec = 0;
    this.startSource(this.positionSec);
    this.tick();
  }

  pause(): void {
    if (!this.playing) return;
    if (this.source) this.positionSec = this.currentPosition();
    this.stop();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else void this.play();
  }

  /** Moves the playhead to `seconds` (clamped to the track), keeping play/pause as it was. */
  seek(seconds: number): void {
    const target = Math.min(Math.max(0, seconds), this.durationSec);
    if (this.source) {
      this.source.onended = null;
      this.source.stop();
      this.startSource(target);
    }
    this.positionSec = target;
  }

  nudge(deltaSec: number): void {
    this.seek((this.source ? this.currentPosition() : this.positionSec) + deltaSec);
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
    this.timelineChanged();
  }

  private currentPosition(): number {
    if (!this.context) return this.positionSec;
    return Math.min(this.durationSec, Math.max(0, this.context.currentTime - this.originTime));
  }

  private tick = (): void => {
    if (!this.source) return;
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
    if (source) this.timelineChanged();
  }
}

export const player = new Player();
