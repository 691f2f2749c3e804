// The seam between the separation engine and an ONNX runtime: the few things the engine needs
// from a session, so the same code runs on onnxruntime-node (CPU, CUDA) and onnxruntime-web
// (WASM, WebGPU). `ort-session.ts` adapts either package to it.

/** A float32 tensor: row-major `data` with `dims`. */
export interface Float32Tensor {
  data: Float32Array;
  dims: readonly number[];
}

/** An input or output as the model file declares it. */
export interface ValueInfo {
  name: string;
  /** Element type ('float32', 'int64', ...), when the runtime reports it. */
  type?: string;
  /** Fixed dims as numbers, symbolic ones as names; undefined when the runtime does not say. */
  shape?: readonly (number | string)[];
}

export interface RunStats {
  /** Runs finished, and the milliseconds they spent inside the runtime. */
  runs: number;
  runMs: number;
}

export interface InferenceSession {
  /** Which runtime and execution provider serve it, e.g. 'onnxruntime-node/cpu'. */
  readonly backend: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Time spent inside the runtime so far (the engine's overhead is measured against it). */
  readonly stats: RunStats;
  /**
   * Runs the model. Calls are queued: at most one runs at a time (web sessions cannot run
   * concurrently). Returns the outputs named in `outputNames` (default all).
   */
  run(
    feeds: Readonly<Record<string, Float32Tensor>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Float32Tensor>>;
  release(): Promise<void>;
}
