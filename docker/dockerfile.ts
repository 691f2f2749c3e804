// Reads a Dockerfile into its stages and instructions, enough for the tests to check what an
// image is built from and to run its command as the image would. Not a full parser: no
// heredocs, no escape directive, and ARG values are not substituted.
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** What it is built from: an image reference or an earlier stage's name. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [from = '', as, name] = args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${upper} before the first FROM`);
      stage.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

export function readDockerfile(path: string): Stage[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/** The arguments of each `keyword` instruction in a stage, in order. */
export function all(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** The last `keyword` instruction's arguments (the one that counts for CMD, USER...). */
export function last(stage: Stage, keyword: string): string | undefined {
  return all(stage, keyword).at(-1);
}

/** An exec-form (JSON array) argument list, as CMD ["node", "x.js"]; throws on the shell form. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`not an exec-form list: ${args}`);
  }
  return parsed;
}

/** The environment a stage sets (ENV key=value ..., values unquoted; no substitution). */
export function environment(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of all(stage, 'ENV')) {
    for (const match of args.matchAll(/(\w+)=("[^"]*"|\S*)/g)) {
      env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** HEALTHCHECK's options (`--interval` ...) and its command in exec form. */
export function healthcheck(stage: Stage): { options: Record<string, string>; command: string[] } | undefined {
  const args = last(stage, 'HEALTHCHECK');
  if (args === undefined) return undefined;
  const options: Record<string, string> = {};
  let rest = args;
  for (let option = /^--(\S+?)=(\S+)\s+/.exec(rest); option; option = /^--(\S+?)=(\S+)\s+/.exec(rest)) {
    options[option[1]!] = option[2]!;
    rest = rest.slice(option[0].length);
  }
  if (!rest.startsWith('CMD ')) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  return { options, command: execForm(rest.slice('CMD '.length)) };
}
