// A metronome on the detected beats, so a listener can hear whether the grid is right: a
// short synthesised click on every beat (higher and louder on downbeats), scheduled on the
// player's AudioContext clock a little ahead of time ("a tale of two clocks"), so it stays in
// time with the music however late the timer that schedules it runs.
import { downbeatFlags } from '../app/beat-grid.ts';
import { CLICK_SEC, clickSample } from '../mixer/click-sound.ts';
import { player } from './player.svelte.ts';

/** How far ahead clicks are scheduled on the audio clock, and how often the scheduler wakes. */
const LOOKAHEAD_SEC = 0.25;
const WAKE_MS = 50;

interface Click {
  source: AudioBufferSourceNode;
  /** When it plays, on the audio clock. */
  when: number;
}

/** The click (see click-sound.ts) as a buffer to play. */
function clickBuffer(context: BaseAudioContext, accent: boolean): AudioBuffer {
  const length = Math.round(context.sampleRate * CLICK_SEC);
  const buffer = new AudioBuffer({ length, sampleRate: context.sampleRate, numberOfChannels: 1 });
  const data = buffer.getChannelData(0);
  for (let i = 0; i < length; i++) data[i] = clickSample(i, context.sampleRate, accent);
  return buffer;
}

export class ClickTrack {
  /** The user wants to hear the clicks (kept while paused and across tracks). */
  enabled = $state(false);
  /** Clicks and accented clicks scheduled since the page loaded (shown to tests and tools). */
  scheduled = $state(0);
  accented = $state(0);

  private beats: readonly number[] = [];
  private accents: boolean[] = [];
  /** Index of the next beat to schedule on the current timeline. */
  private next = 0;
  private pending: Click[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private sounds?: { context: BaseAudioContext; beat: AudioBuffer; downbeat: AudioBuffer; out: GainNode };
  private unsubscribe?: () => void;

  /** The grid to click on (seconds, ascending; downbeats a subset of beats); empty for none. */
  setGrid(beats: readonly number[], downbeats: readonly number[]): void {
    this.beats = beats;
    this.accents = downbeatFlags(beats, downbeats);
    this.restart();
  }

  toggle(): void {
    this.enabled = !this.enabled;
    this.restart();
  }

  /** Stops scheduling and forgets the grid (leaving the track). */
  detach(): void {
    this.setGrid([], []);
  }

  /** Drops what was scheduled for the old timeline and schedules against the current one. */
  private restart = (): void => {
    this.withdrawPending();
    clearInterval(this.timer);
    this.timer = undefined;
    const timeline = player.timeline;
    this.unsubscribe ??= player.onTimelineChange(this.restart);
    if (!this.enabled || !timeline || this.beats.length === 0) return;
    const position = timeline.context.currentTime - timeline.originTime;
    this.next = this.firstBeatFrom(position);
    this.schedule();
    this.timer = setInterval(this.schedule, WAKE_MS);
  };

  private schedule = (): void => {
    const timeline = player.timeline;
    if (!timeline) return;
    const { context, originTime } = timeline;
    const sounds = this.soundsFor(context);
    const now = context.currentTime;
    this.pending = this.pending.filter((click) => click.when > now);
    for (; this.next < this.beats.length; this.next++) {
      const when = originTime + this.beats[this.next]!;
      if (when > now + LOOKAHEAD_SEC) break;
      if (when < now) continue; // the timer ran late: a click after its beat is worse than none
      const accent = this.accents[this.next]!;
      const source = new AudioBufferSourceNode(context, { buffer: accent ? sounds.downbeat : sounds.beat });
      source.connect(sounds.out);
      source.start(when);
      this.pending.push({ source, when });
      this.scheduled++;
      if (accent) this.accented++;
    }
  };

  private withdrawPending(): void {
    for (const click of this.pending) {
      try {
        click.source.stop();
      } catch {
        // Already stopped.
      }
      click.source.disconnect();
    }
    this.pending = [];
  }

  private firstBeatFrom(positionSec: number): number {
    let low = 0;
    let high = this.beats.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.beats[mid]! < positionSec) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private soundsFor(context: BaseAudioContext) {
    if (this.sounds?.context !== context) {
      const out = new GainNode(context, { gain: 0.5 });
      out.connect(context.destination);
      this.sounds = {
        context,
        beat: clickBuffer(context, false),
        downbeat: clickBuffer(context, true),
        out,
      };
    }
    return this.sounds;
  }
}

export const clickTrack = new ClickTrack();
