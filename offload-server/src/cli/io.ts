// What a CLI command writes to: the process's streams in the real command, buffers in tests.

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether stderr is a terminal: progress is drawn as one updating line only there. */
  isTTY: boolean;
}

/** A command's outcome as the process exit code: 0 ok, 1 some input failed, 2 bad usage. */
export type ExitCode = 0 | 1 | 2;
