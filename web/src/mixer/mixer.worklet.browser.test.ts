// The mixer's AudioWorklet processor in a real OfflineAudioContext: stems stay sample-locked
// across chunk boundaries, seeks and loops; mute and gains change what is heard; speed keeps
// the pitch and +12 semitones doubles it; clicks land on the beats.
import { describe, expect, it } from 'vitest';
import workletUrl from './mixer.worklet.ts?worker&url';
import type { FromProcessor, ToProcessor } from './protocol.ts';
import { zeroCrossingHz } from './test-tones.ts';

const RATE = 44_100;

interface Rig {
  context: OfflineAudioContext;
  node: AudioWorkletNode;
  send(message: ToProcessor, transfer?: Transferable[]): void;
  /** Resolves when the processor has handled everything sent before. */
  synced(): Promise<void>;
  messages: FromProcessor[];
}

async function rig(seconds: number, stems: Float32Array[][], chunkFrames: number[], rate = RATE): Promise<Rig> {
  const context = new OfflineAudioContext({
    numberOfChannels: 2,
    length: Math.round(seconds * rate),
    sampleRate: rate,
  });
  await context.audioWorklet.addModule(workletUrl);
  const node = new AudioWorkletNode(context, 'sfa-mixer', {
    numberOfInputs: 0,
    numberOfOutputs: 1,
    outputChannelCount: [2],
  });
  node.connect(context.destination);
  const messages: FromProcessor[] = [];
  const waiting = new Map<number, () => void>();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  node.port.onmessage = (event: MessageEvent<FromProcessor>) => {
    const message = event.data;
    messages.push(message);
    if (message.type === 'ready') ready();
    if (message.type === 'synced') waiting.get(message.id)?.();
  };
  let nextId = 0;
  const send = (message: ToProcessor, transfer: Transferable[] = []) => node.port.postMessage(message, transfer);
  const frames = stems[0]![0]!.length;
  send({ type: 'init', stems: stems.length, channels: stems[0]!.length, frames });
  let start = 0;
  for (let i = 0; start < frames; i++) {
    const n = Math.min(chunkFrames[i % chunkFrames.length]!, frames - start);
    send({
      type: 'chunk',
      start,
      frames: n,
      stems: stems.map((channels) => channels.map((c) => c.slice(start, start + n))),
    });
    start += n;
  }
  await isReady;
  return {
    context,
    node,
    send,
    messages,
    synced: () =>
      new Promise<void>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ type: 'sync', id });
      }),
  };
}

function noise(frames: number, seed: number): Float32Array {
  const out = new Float32Array(frames);
  let state = seed;
  for (let i = 0; i < frames; i++) {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 0.8;
  }
  return out;
}

function sine(frames: number, frequency: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: frames }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / RATE));
}

function energy(signal: Float32Array, fromSec = 0, toSec = signal.length / RATE): number {
  const from = Math.round(fromSec * RATE);
  const to = Math.round(toSec * RATE);
  let sum = 0;
  for (let i = from; i < to; i++) sum += signal[i]! * signal[i]!;
  return sum / Math.max(1, to - from);
}

/** Renders with `steps` run at their times (seconds) while the context is suspended there. */
async function render(r: Rig, steps: [number, () => void][]): Promise<AudioBuffer> {
  for (const [at, step] of steps) {
    void r.context.suspend(at).then(async () => {
      step();
      await r.synced();
      await r.context.resume();
    });
  }
  return r.context.startRendering();
}

describe('mixer worklet', () => {
  it('keeps two stems sample-locked across uneven chunks, a seek and loops', async () => {
    // The same noise in two stems, one panned hard left and one hard right: L must equal R.
    const frames = 6 * RATE;
    const shared = noise(frames, 7);
    const r = await rig(5, [[shared], [shared.slice()]], [10_007, 44_100, 3_001]);
    r.send({
      type: 'gains',
      gains: [
        [1, 0],
        [0, 1],
      ],
    });
    const output = await render(r, [
      [0, () => r.send({ type: 'play' })],
      [1, () => r.send({ type: 'seek', frame: 3 * RATE + 17, seq: 1 })],
      [2, () => r.send({ type: 'loop', start: 2 * RATE + 5, end: 2 * RATE + 5 + 12_345, enabled: true })],
    ]);
    const left = output.getChannelData(0);
    const right = output.getChannelData(1);
    let worst = 0;
    for (let i = 0; i < left.length; i++) worst = Math.max(worst, Math.abs(left[i]! - right[i]!));
    // Equal to float rounding (the first quantum ramps the gains in, summed in another order).
    expect(worst).toBeLessThan(1e-6);
    expect(energy(left, 1, 2)).toBeGreaterThan(0.04);
    // After the loop is set, playback is inside it: it plays the loop's samples again and again.
    const loopStart = 2 * RATE + 5;
    const tail = left.subarray(4 * RATE, 4 * RATE + 4096);
    const source = shared.subarray(loopStart, loopStart + 12_345);
    const matchAt = Array.from({ length: source.length - 4096 }, (_, k) => k).find((k) =>
      tail.every((x, i) => Math.abs(x - source[k + i]!) < 1e-6),
    );
    expect(matchAt).toBeDefined();
  });

  it('plays exactly the source at speed 1 (no gap at chunk edges), and a seek lands on its frame', async () => {
    const frames = 3 * RATE;
    const ramp = Float32Array.from({ length: frames }, (_, i) => (i % 1000) / 1000);
    const r = await rig(2, [[ramp]], [777, 5_000]);
    const output = await render(r, [[0, () => r.send({ type: 'play' })]]);
    const left = output.getChannelData(0);
    // After the 256-frame fade-in from silence, output frame n is source frame n.
    for (let i = 300; i < left.length; i += 1) {
      if (Math.abs(left[i]! - ramp[i]!) > 1e-6) throw new Error(`frame ${i}: ${left[i]} ≠ ${ramp[i]}`);
    }
  });

  it('has not drifted by a single frame after 10 minutes', async () => {
    // At 8 kHz so ten minutes render in seconds: the output frame n is source frame n, on both sides.
    const rate = 8000;
    const frames = 601 * rate;
    const source = noise(frames, 3);
    const r = await rig(600.5, [[source], [source.slice()]], [6 * rate], rate);
    r.send({
      type: 'gains',
      gains: [
        [1, 0],
        [0, 1],
      ],
    });
    const output = await render(r, [[0, () => r.send({ type: 'play' })]]);
    const left = output.getChannelData(0);
    const right = output.getChannelData(1);
    for (let i = left.length - rate; i < left.length; i++) {
      if (left[i] !== source[i] || right[i] !== source[i]) throw new Error(`frame ${i} drifted`);
    }
    // Every tick's position is the frames played since the start, by the context's clock.
    const ticks = r.messages.filter((m) => m.type === 'tick');
    expect(ticks.length).toBeGreaterThan(1000);
    for (const tick of ticks) expect(Math.abs(tick.time * rate - tick.position)).toBeLessThan(1e-3);
  });

  it('mutes and solos by gains: a muted stem contributes nothing, gains ramp without a step', async () => {
    const frames = 3 * RATE;
    const r = await rig(2, [[sine(frames, 300)], [sine(frames, 2000)]], [RATE]);
    const output = await render(r, [
      [0, () => r.send({ type: 'play' })],
      [
        1,
        () =>
          r.send({
            type: 'gains',
            gains: [
              [0, 0],
              [1, 1],
            ],
          }),
      ],
    ]);
    const left = output.getChannelData(0);
    // First second: both; second: only the 2 kHz stem.
    expect(energy(left, 0.1, 0.9)).toBeCloseTo(0.25, 2);
    expect(energy(left, 1.1, 1.9)).toBeCloseTo(0.125, 2);
    expect(zeroCrossingHz(left.subarray(Math.round(1.1 * RATE), Math.round(1.9 * RATE)), RATE)).toBeCloseTo(2000, -1);
    // No step bigger than the signals' own largest sample-to-sample change at the gain change.
    let step = 0;
    for (let i = RATE - 256; i < RATE + 256; i++) step = Math.max(step, Math.abs(left[i + 1]! - left[i]!));
    expect(step).toBeLessThan((0.5 * (2 * Math.PI * 2000)) / RATE + (0.5 * (2 * Math.PI * 300)) / RATE + 1e-3);
  });

  it('crossfades a seek and a loop wrap instead of jumping (no click)', async () => {
    // A 440 Hz sine: a jump to a point half a period away would step by up to 2 × 0.5.
    const frames = 4 * RATE;
    const r = await rig(3, [[sine(frames, 440)]], [RATE]);
    const output = await render(r, [
      [0, () => r.send({ type: 'play' })],
      [1, () => r.send({ type: 'seek', frame: 2 * RATE + 50, seq: 1 })],
      [1.5, () => r.send({ type: 'loop', start: 2 * RATE + 7, end: 2 * RATE + 7 + 10_001, enabled: true })],
    ]);
    const left = output.getChannelData(0);
    const slope = (0.5 * 2 * Math.PI * 440) / RATE;
    let step = 0;
    for (let i = 1; i < left.length; i++) step = Math.max(step, Math.abs(left[i]! - left[i - 1]!));
    // The sine's own steepest step, plus what a 256-frame crossfade between two phases adds.
    expect(step).toBeLessThan(slope + (2 * 0.5) / 256 + 1e-6);
  });

  it('fades in on play and out on pause instead of clicking', async () => {
    const r = await rig(2, [[new Float32Array(3 * RATE).fill(0.5)]], [RATE]);
    const output = await render(r, [
      [0, () => r.send({ type: 'play' })],
      [1, () => r.send({ type: 'pause' })],
    ]);
    const left = output.getChannelData(0);
    let step = 0;
    for (let i = 1; i < left.length; i++) step = Math.max(step, Math.abs(left[i]! - left[i - 1]!));
    // A constant 0.5 ramped over 256 frames: steps of 0.5 / 256 at most.
    expect(step).toBeLessThanOrEqual(0.5 / 256 + 1e-6);
    expect(left[RATE / 2]).toBe(0.5);
    expect(Math.max(...left.subarray(RATE + 512).map(Math.abs))).toBe(0);
  });

  it('keeps the pitch at half speed and doubles it at +12 semitones', async () => {
    const frames = 6 * RATE;
    for (const [rate, semitones, expected] of [
      [0.5, 0, 440],
      [1, 12, 880],
      [1.5, -12, 220],
    ] as const) {
      const r = await rig(3, [[sine(frames, 440)]], [RATE]);
      r.send({ type: 'speed', rate, semitones });
      const output = await render(r, [[0, () => r.send({ type: 'play' })]]);
      const hz = zeroCrossingHz(output.getChannelData(0).subarray(RATE, Math.round(2.5 * RATE)), RATE);
      expect(Math.abs(hz / expected - 1)).toBeLessThan(0.01);
      const ticks = r.messages.filter((m) => m.type === 'tick');
      // At half speed 3 s of output move the position by 1.5 s.
      const last = ticks.at(-1)!;
      expect(Math.abs(last.position / RATE - 3 * rate)).toBeLessThan(0.05);
    }
  });

  it('goes back to exact playback after a speed that leaves a fractional position', async () => {
    const frames = 6 * RATE;
    const r = await rig(3, [[sine(frames, 440)]], [RATE]);
    r.send({ type: 'speed', rate: 0.93, semitones: 0 });
    const output = await render(r, [
      [0, () => r.send({ type: 'play' })],
      [1, () => r.send({ type: 'speed', rate: 1, semitones: 0 })],
    ]);
    const left = output.getChannelData(0);
    expect(left.every(Number.isFinite)).toBe(true);
    expect(energy(left, 1.5, 2.5)).toBeCloseTo(0.125, 2);
    expect(
      Math.abs(zeroCrossingHz(left.subarray(Math.round(1.5 * RATE), Math.round(2.5 * RATE)), RATE) / 440 - 1),
    ).toBeLessThan(0.005);
  });

  it('clicks on the beats, accented on downbeats, and counts in before the music', async () => {
    const frames = 4 * RATE;
    const r = await rig(3, [[new Float32Array(frames)]], [RATE]);
    const beats = Float64Array.from([0.5, 1, 1.5, 2], (s) => s * RATE);
    r.send({ type: 'click', enabled: true, beats, accents: Uint8Array.from([1, 0, 0, 0]) });
    const output = await render(r, [
      [0, () => r.send({ type: 'play', countIn: { beats: 2, intervalFrames: RATE / 4, beatsPerBar: 2 } })],
    ]);
    const left = output.getChannelData(0);
    const onsets: number[] = [];
    for (let i = 1; i < left.length; i++) {
      if (Math.abs(left[i]!) > 0.02 && (onsets.length === 0 || i - onsets.at(-1)! > 0.1 * RATE)) onsets.push(i);
    }
    // Count-in at 0 and 0.25 s; the music starts at 0.5 s, so beat 0.5 s sounds at 1.0 s, and so on.
    const expected = [0, 0.25, 1, 1.5, 2, 2.5].map((s) => s * RATE);
    expect(onsets.length).toBe(expected.length);
    onsets.forEach((at, i) => expect(Math.abs(at - expected[i]!)).toBeLessThan(30));
  });
});
