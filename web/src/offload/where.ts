// Where an offloaded job runs, in words, from the label it stores ("offload: host (cuda: GPU)").

const PROVIDER_WORDS: Record<string, string> = { cuda: 'CUDA', cpu: 'CPU' };

/** "your offload server host: CUDA (GPU name)", or undefined for a label that is not an offload one. */
export function describeOffload(executionProvider: string | undefined): string | undefined {
  const match = /^offload: ([^ ]+)(?: \((\w+)(?:: (.+))?\))?$/.exec(executionProvider ?? '');
  if (!match) return undefined;
  const [, host, provider, gpu] = match;
  if (!provider) return `your offload server ${host}`;
  const words = PROVIDER_WORDS[provider] ?? provider;
  return `your offload server ${host}: ${words}${gpu ? ` (${gpu})` : ''}`;
}
