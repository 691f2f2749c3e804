// What each format's encoder implements. `createEncoder` (index.ts) wraps it with the checks
// every format shares (block shapes, the frame count), so an encoder may trust its input.

export interface FormatEncoder {
  /** One array per channel, all the same length (possibly 0); never more than the frames left. */
  push(channels: readonly Float32Array[]): Promise<void>;
  /** Called once, after exactly `frames` frames were pushed. */
  finish(): Promise<void>;
}
