// The `sfa` command line: dispatches to a subcommand and turns its outcome into an exit code.
// Runs the same engines as the app and the offload server (shared/), on onnxruntime-node.

import type { CliIo, ExitCode } from './io.ts';
import { SERVER_VERSION } from '../version.ts';

const USAGE = `usage: sfa <command> [options]

commands:
  analyze <files...> [--json]            tempo, beats, key, loudness
  separate <file> [--model id|path.onnx] split into stems (vocals, drums, bass, other)

Run 'sfa <command> --help' for a command's options.`;

type Command = (argv: string[], io: CliIo) => Promise<ExitCode | number>;

// Loaded on demand: `sfa analyze` need not load ONNX Runtime.
const COMMANDS: Record<string, () => Promise<Command>> = {
  analyze: async () => (await import('./analyze.ts')).analyzeCommand,
  separate: async () => (await import('./separate.ts')).separateCommand,
};

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.stdout.write(`sfa ${SERVER_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`sfa: unknown command '${name}'\n${USAGE}\n`);
    return 2;
  }
  const command = await load();
  return command(rest, io);
}
