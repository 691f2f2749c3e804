// The Emscripten factory web/build/signalsmith.ts exposes from signalsmith-stretch.
declare module 'signalsmith-stretch' {
  /** The compiled stretcher's exports (C functions prefixed with "_"). Sizes are in frames. */
  export interface StretchWasm {
    _main(): void;
    _presetDefault(channels: number, sampleRate: number): void;
    _presetCheaper(channels: number, sampleRate: number): void;
    _configure(channels: number, blockSamples: number, intervalSamples: number, splitComputation: boolean): void;
    _reset(): void;
    /** Allocates `channels` input and `channels` output buffers of `length` floats; returns the first's address. */
    _setBuffers(channels: number, length: number): number;
    _inputLatency(): number;
    _outputLatency(): number;
    _setTransposeSemitones(semitones: number, tonalityLimit: number): void;
    _setTransposeFactor(factor: number, tonalityLimit: number): void;
    _setFormantSemitones(semitones: number, compensate: boolean): void;
    _setFormantBase(frequency: number): void;
    /** Starts over from the `inputLength` frames in the input buffers, heading on at `rate`. */
    _seek(inputLength: number, rate: number): void;
    /** Consumes `inputLength` frames from the input buffers and writes `outputLength` to the outputs. */
    _process(inputLength: number, outputLength: number): void;
    _flush(outputLength: number): void;
    HEAP8?: Int8Array;
    exports?: { memory: WebAssembly.Memory };
  }
  export const createStretchModule: (options?: object) => Promise<StretchWasm>;
}
