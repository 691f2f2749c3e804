import { describe, expect, it } from 'vitest';
import { describeOffload } from './where.ts';

describe('describeOffload', () => {
  it('says where an offloaded job runs', () => {
    expect(describeOffload('offload: gpu.lan:8787 (cuda: NVIDIA H100)')).toBe(
      'your offload server gpu.lan:8787: CUDA (NVIDIA H100)',
    );
    expect(describeOffload('offload: 127.0.0.1:9000 (cpu)')).toBe('your offload server 127.0.0.1:9000: CPU');
    expect(describeOffload('offload: host:1')).toBe('your offload server host:1');
    expect(describeOffload('wasm')).toBeUndefined();
  });
});
