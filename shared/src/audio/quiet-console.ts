// The WASM decoders print every stream error with console.error (and the Opus loader warns),
// on top of returning it. We report errors ourselves, in words, so while a decode runs their
// messages are dropped; anything else still reaches the console.

type ConsoleMethod = (...data: unknown[]) => void;

const DECODER_PREFIXES = [
  'mpg123-decoder',
  '@wasm-audio-decoders',
  'ogg-opus-decoder',
  'opus-decoder',
  'libopus',
  'codec-parser',
];

let activeDecodes = 0;
let originals: { error: ConsoleMethod; warn: ConsoleMethod } | undefined;

function isDecoderMessage(data: unknown[]): boolean {
  const first = data[0];
  return typeof first === 'string' && DECODER_PREFIXES.some((prefix) => first.startsWith(prefix));
}

function filtered(original: ConsoleMethod): ConsoleMethod {
  return (...data) => {
    if (!isDecoderMessage(data)) original.apply(console, data);
  };
}

/** Runs `work` with decoder console messages muted; nested and concurrent calls are fine. */
export async function withQuietDecoders<T>(work: () => Promise<T>): Promise<T> {
  if (activeDecodes++ === 0) {
    originals = { error: console.error, warn: console.warn };
    console.error = filtered(originals.error);
    console.warn = filtered(originals.warn);
  }
  try {
    return await work();
  } finally {
    if (--activeDecodes === 0 && originals) {
      console.error = originals.error;
      console.warn = originals.warn;
      originals = undefined;
    }
  }
}
