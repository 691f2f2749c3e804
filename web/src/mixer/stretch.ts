// Speed without pitch change and pitch without tempo change: Signalsmith Stretch (MIT, WASM)
// driven block by block. Used by the mixer's AudioWorklet and the export worker alike (no DOM).
//
// Every block is rendered by "seeking" the stretcher to the input that ends where the block's
// output must come from, then asking for the block's output: the output stays locked to the
// source position however the rate changes, and a jump (seek, loop) is just the next seek.
import { createStretchModule, type StretchWasm } from 'signalsmith-stretch';

/** Above this the stretcher lets tonal content through unshifted; its own default. */
const TONALITY_HZ = 8000;

export interface Stretcher {
  readonly channels: number;
  /**
   * How many input frames the stretcher needs for one block: the block ending at source
   * frame `p + lookAhead(rate)` yields the output heard for `p`.
   */
  readonly windowFrames: number;
  /** Input frames after the position being heard that a block needs, at `rate`. */
  lookAhead(rate: number): number;
  /** The input buffers (one per channel, `windowFrames` long) to fill before `render`. */
  input(): Float32Array[];
  setSemitones(semitones: number): void;
  /**
   * Renders `length` output frames (≤ 128 × 8) from the window in `input()`, played at `rate`,
   * into `output` at `offset`.
   */
  render(rate: number, output: Float32Array[], offset: number, length: number): void;
}

let wasm: Promise<StretchWasm> | undefined;

export async function createStretcher(channels: number, sampleRate: number): Promise<Stretcher> {
  // One WASM instance per scope; it is re-configured for each stretcher (one at a time).
  wasm ??= createStretchModule().then((module) => {
    module._main();
    return module;
  });
  const module = await wasm;
  module._presetDefault(channels, sampleRate);
  const inputLatency = module._inputLatency();
  const outputLatency = module._outputLatency();
  const windowFrames = inputLatency + outputLatency;
  const pointer = module._setBuffers(channels, windowFrames);
  const bytes = windowFrames * 4;
  const memory = () => (module.exports ? module.exports.memory.buffer : module.HEAP8!.buffer);
  // Views onto the WASM buffers, made again only if its memory grows (no allocation per block
  // on the audio thread otherwise).
  let views: { buffer: ArrayBufferLike; inputs: Float32Array[]; outputs: Float32Array[] } | undefined;
  const buffers = () => {
    const buffer = memory();
    if (views?.buffer !== buffer) {
      const at = (c: number) => new Float32Array(buffer, pointer + bytes * c, windowFrames);
      views = {
        buffer,
        inputs: Array.from({ length: channels }, (_, c) => at(c)),
        outputs: Array.from({ length: channels }, (_, c) => at(channels + c)),
      };
    }
    return views;
  };
  let semitones = 0;
  module._setTransposeSemitones(0, TONALITY_HZ / sampleRate);
  return {
    channels,
    windowFrames,
    lookAhead: (rate) => Math.round(inputLatency + outputLatency * rate),
    input: () => buffers().inputs,
    setSemitones(next) {
      if (next === semitones) return;
      semitones = next;
      module._setTransposeSemitones(next, TONALITY_HZ / sampleRate);
    },
    render(rate, output, offset, length) {
      if (length > windowFrames) throw new RangeError(`a block of ${length} frames is over ${windowFrames}`);
      module._seek(windowFrames, rate);
      module._process(0, length);
      const { outputs } = buffers();
      for (let c = 0; c < output.length; c++) output[c]!.set(outputs[c % channels]!.subarray(0, length), offset);
    },
  };
}
