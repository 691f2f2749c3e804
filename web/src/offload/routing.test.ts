import { describe, expect, it } from 'vitest';
import { chooseRoute, type RouteFacts } from './routing.ts';

const base: RouteFacts = {
  policy: 'automatic',
  configured: true,
  serverHasModel: true,
  localHasModel: true,
  quick: false,
  webGpu: false,
};

describe('chooseRoute', () => {
  it('follows a fixed policy', () => {
    expect(chooseRoute({ ...base, policy: 'local' })).toBe('local');
    expect(chooseRoute({ ...base, policy: 'offload', serverHasModel: false, quick: true })).toBe('offload');
  });

  it('never offloads without a server', () => {
    expect(chooseRoute({ ...base, policy: 'offload', configured: false })).toBe('local');
  });

  it('offloads a model without WebGPU automatically, keeps Quick and WebGPU jobs here', () => {
    expect(chooseRoute(base)).toBe('offload');
    expect(chooseRoute({ ...base, quick: true })).toBe('local');
    expect(chooseRoute({ ...base, webGpu: true })).toBe('local');
  });

  it('uses the calibration when there is one', () => {
    expect(chooseRoute({ ...base, webGpu: true, secPerMinHere: 90 })).toBe('offload');
    expect(chooseRoute({ ...base, webGpu: false, secPerMinHere: 20 })).toBe('local');
  });

  it('offloads a model only the server has, and stays here when the server lacks it', () => {
    expect(chooseRoute({ ...base, localHasModel: false, webGpu: true })).toBe('offload');
    expect(chooseRoute({ ...base, serverHasModel: false })).toBe('local');
  });
});
