// What the app actually plays: every AudioWorkletNode the page connects to its speakers gets a
// tap (a ScriptProcessorNode beside it) that records its output while a spec asks for it. The
// app is not changed for this: the tap is put into the page before the app's code runs. The
// recordings are then measured in Node against the stems the app stored (FFT cross-correlation
// for where in the track a recording is, least squares for how much of each stem it holds).
import type { Page } from '@playwright/test';
import FFT from 'fft.js';

export interface Capture {
  sampleRate: number;
  left: Float32Array;
  right: Float32Array;
}

interface TapState {
  recording: boolean;
  sampleRate: number;
  left: Float32Array[];
  right: Float32Array[];
}

/** Installs the tap; call before `page.goto`. */
export async function installAudioTap(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const state: TapState = { recording: false, sampleRate: 0, left: [], right: [] };
    (window as unknown as { __sfaTap: TapState }).__sfaTap = state;
    const tapped = new WeakSet<AudioNode>();
    const connect = AudioNode.prototype.connect as (this: AudioNode, ...args: unknown[]) => unknown;
    AudioNode.prototype.connect = function (this: AudioNode, ...args: unknown[]) {
      const result = connect.apply(this, args);
      const destination = args[0];
      if (destination instanceof AudioDestinationNode && this instanceof AudioWorkletNode && !tapped.has(this)) {
        tapped.add(this);
        const context = this.context;
        const tap = context.createScriptProcessor(2048, 2, 2);
        tap.onaudioprocess = (event) => {
          for (let c = 0; c < event.outputBuffer.numberOfChannels; c++) event.outputBuffer.getChannelData(c).fill(0);
          if (!state.recording) return;
          state.sampleRate = context.sampleRate;
          state.left.push(event.inputBuffer.getChannelData(0).slice());
          state.right.push(event.inputBuffer.getChannelData(1).slice());
        };
        connect.call(this, tap);
        connect.call(tap, context.destination);
      }
      return result;
    } as typeof AudioNode.prototype.connect;
  });
}

/** Starts recording (dropping what was recorded before). */
export async function startCapture(page: Page): Promise<void> {
  await page.evaluate(() => {
    const state = (window as unknown as { __sfaTap: TapState }).__sfaTap;
    state.left = [];
    state.right = [];
    state.recording = true;
  });
}

/** Records for `seconds` of page time and returns what was heard. */
export async function capture(page: Page, seconds: number): Promise<Capture> {
  await startCapture(page);
  await page.waitForTimeout(seconds * 1000);
  return stopCapture(page);
}

export async function stopCapture(page: Page): Promise<Capture> {
  const encoded = await page.evaluate(() => {
    const state = (window as unknown as { __sfaTap: TapState }).__sfaTap;
    state.recording = false;
    const join = (parts: Float32Array[]) => {
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const part of parts) {
        out.set(part, at);
        at += part.length;
      }
      const bytes = new Uint8Array(out.buffer);
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    };
    return { sampleRate: state.sampleRate, left: join(state.left), right: join(state.right) };
  });
  const decode = (text: string) => {
    const bytes = Buffer.from(text, 'base64');
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  };
  return { sampleRate: encoded.sampleRate, left: decode(encoded.left), right: decode(encoded.right) };
}

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, n)));
}

/**
 * Where `excerpt` sits in `reference`: the lag (in frames) maximising their cross-correlation,
 * by FFT, and the normalised correlation there (1 = the excerpt is a scaled copy).
 */
export function locate(excerpt: Float32Array, reference: Float32Array): { lag: number; correlation: number } {
  const size = nextPow2(reference.length + excerpt.length);
  const fft = new FFT(size);
  const a = fft.createComplexArray() as number[];
  const b = fft.createComplexArray() as number[];
  const padded = (signal: Float32Array) => {
    const real = new Array<number>(size).fill(0);
    for (let i = 0; i < signal.length; i++) real[i] = signal[i]!;
    return real;
  };
  fft.realTransform(a, padded(reference));
  fft.completeSpectrum(a);
  fft.realTransform(b, padded(excerpt));
  fft.completeSpectrum(b);
  // reference ⋆ excerpt: A · conj(B).
  const product = fft.createComplexArray() as number[];
  for (let k = 0; k < size; k++) {
    const [ar, ai, br, bi] = [a[2 * k]!, a[2 * k + 1]!, b[2 * k]!, b[2 * k + 1]!];
    product[2 * k] = ar * br + ai * bi;
    product[2 * k + 1] = ai * br - ar * bi;
  }
  const correlation = fft.createComplexArray() as number[];
  fft.inverseTransform(correlation, product);
  // Normalised: each lag's correlation over the energy of the reference under the excerpt
  // (a loud passage elsewhere must not outscore the right place).
  const energyBefore = new Float64Array(reference.length + 1);
  for (let i = 0; i < reference.length; i++) energyBefore[i + 1] = energyBefore[i]! + reference[i]! ** 2;
  let ee = 0;
  for (const x of excerpt) ee += x * x;
  let best = -Infinity;
  let lag = 0;
  for (let k = 0; k + excerpt.length <= reference.length; k++) {
    const rr = energyBefore[k + excerpt.length]! - energyBefore[k]!;
    const score = correlation[2 * k]! / Math.sqrt(ee * rr || 1);
    if (score > best) {
      best = score;
      lag = k;
    }
  }
  return { lag, correlation: best };
}

/**
 * How much of each stem `heard` holds, as least-squares weights: heard ≈ Σ w_k · stem_k[lag…].
 * A playing stem comes out near its gain, a muted one near 0.
 */
export function stemWeights(heard: Float32Array, stems: Float32Array[], lag: number): number[] {
  const n = stems.length;
  const gram = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const rhs = new Array<number>(n).fill(0);
  for (let i = 0; i < heard.length; i++) {
    for (let j = 0; j < n; j++) {
      const sj = stems[j]![lag + i] ?? 0;
      rhs[j]! += sj * heard[i]!;
      for (let k = j; k < n; k++) gram[j]![k]! += sj * (stems[k]![lag + i] ?? 0);
    }
  }
  for (let j = 0; j < n; j++) for (let k = 0; k < j; k++) gram[j]![k] = gram[k]![j]!;
  // Gaussian elimination with partial pivoting.
  const m = gram.map((row, j) => [...row, rhs[j]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = m[r]![n]!;
    for (let c = r + 1; c < n; c++) sum -= m[r]![c]! * w[c]!;
    w[r] = sum / m[r]![r]!;
  }
  return w;
}

/** The strongest frequency in `signal` (Hz), by FFT with parabolic interpolation. */
export function dominantFrequency(signal: Float32Array, sampleRate: number): number {
  const size = nextPow2(signal.length) / 2;
  const fft = new FFT(size);
  const spectrum = fft.createComplexArray() as number[];
  const windowed = Array.from(
    { length: size },
    (_, i) => (signal[i] ?? 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size)),
  );
  fft.realTransform(spectrum, windowed);
  const magnitude = (k: number) => Math.hypot(spectrum[2 * k]!, spectrum[2 * k + 1]!);
  let peak = 1;
  for (let k = 2; k < size / 2; k++) if (magnitude(k) > magnitude(peak)) peak = k;
  const [l, c, r] = [magnitude(peak - 1), magnitude(peak), magnitude(peak + 1)];
  const shift = (0.5 * (l - r)) / (l - 2 * c + r || 1);
  return ((peak + shift) * sampleRate) / size;
}

export function rms(signal: Float32Array): number {
  let sum = 0;
  for (const x of signal) sum += x * x;
  return Math.sqrt(sum / Math.max(1, signal.length));
}
