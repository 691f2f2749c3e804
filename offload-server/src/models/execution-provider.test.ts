// The provider probe: its embedded model is what the builder makes, CPU always works, and
// asking for CUDA where it does not load is an error rather than a silent CPU fallback.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../models/builders/onnx-graph.ts';
import { chooseExecutionProvider, ExecutionProviderError, PROBE_MODEL_BASE64 } from './execution-provider.ts';

describe('chooseExecutionProvider', () => {
  it('embeds the Identity model the builder makes', () => {
    const g = new GraphBuilder();
    g.node('Identity', [g.input('x', [1])], {}, ['y']);
    g.output('y', [1]);
    expect(Buffer.from(g.encode()).toString('base64')).toBe(PROBE_MODEL_BASE64);
  });

  // First, as in the server: the runtime's environment is made quiet before its first session.
  it('uses CUDA when it loads, else says why it runs on the CPU', async () => {
    const provider = await chooseExecutionProvider(ort, 'auto');
    if (provider.name === 'cuda') {
      expect(provider.note).toBeUndefined();
      return;
    }
    expect(provider.note).toMatch(/^CUDA did not load: /);
    await expect(chooseExecutionProvider(ort, 'cuda')).rejects.toThrow(ExecutionProviderError);
    await expect(chooseExecutionProvider(ort, 'cuda')).rejects.toThrow(
      /SFA_EXECUTION_PROVIDER=cuda, but CUDA did not load/,
    );
  });

  it('uses the CPU when told to', async () => {
    expect(await chooseExecutionProvider(ort, 'cpu')).toEqual({ name: 'cpu' });
  });
});
