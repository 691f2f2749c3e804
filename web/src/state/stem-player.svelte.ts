// Previews one stem of a separation that is still running: the part stored so far is read into
// an AudioBuffer and played from the start. Finished stems play in the mixer (mixer/).
import { errorMessage } from '@sfa/shared/protocol/errors';
import type { StemName } from '@sfa/shared/separation/types';
import { openLibrary } from '../storage/db.ts';
import { readStem } from '../storage/job-store.ts';

/** What a stem is read from: a finished stem set, or a running job's stems stored so far. */
export interface StemSource {
  /** The job's id. */
  id: string;
  frames: number;
  sampleRate: number;
}

export class StemPlayer {
  /** "<job id>/<stem>" of the stem playing or loading, if any. */
  playing = $state<string>();
  loading = $state(false);
  error = $state<string>();
  /** When the stem started to sound (performance.now()), for "time to first audible stem". */
  startedAt = $state<number>();

  private context?: AudioContext;
  private source?: AudioBufferSourceNode;
  private token = 0;

  key(set: StemSource, stem: StemName): string {
    return `${set.id}/${stem}`;
  }

  async toggle(set: StemSource, stem: StemName): Promise<void> {
    const key = this.key(set, stem);
    const wasPlaying = this.playing === key;
    this.stop();
    if (wasPlaying) return;
    const token = ++this.token;
    this.playing = key;
    this.loading = true;
    this.error = undefined;
    try {
      const channels = await readStem(await openLibrary(), set.id, stem, set.frames);
      if (token !== this.token) return;
      this.context ??= new AudioContext({ latencyHint: 'playback' });
      const buffer = this.context.createBuffer(channels.length, set.frames, set.sampleRate);
      channels.forEach((channel, c) => buffer.copyToChannel(channel as Float32Array<ArrayBuffer>, c));
      await this.context.resume();
      if (token !== this.token) return;
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      source.connect(this.context.destination);
      source.onended = () => {
        if (this.source === source) this.stop();
      };
      source.start();
      this.source = source;
      this.startedAt = performance.now();
    } catch (error) {
      if (token !== this.token) return;
      this.error = `The ${stem} stem cannot be played: ${errorMessage(error)}`;
      this.playing = undefined;
    } finally {
      if (token === this.token) this.loading = false;
    }
  }

  stop(): void {
    this.token++;
    this.source?.stop();
    this.source?.disconnect();
    this.source = undefined;
    this.playing = undefined;
    this.loading = false;
  }
}

export const stemPlayer = new StemPlayer();
