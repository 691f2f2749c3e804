// Generated models for the separation specs and benchmarks: htdemucs's contract and tensor
// names, built here (no weights can be downloaded). `maskModel` is cheap (a band split per stem);
// `slowModel` has htdemucs's layer structure at a small width, so a job lasts a few seconds.
import { htdemucsDescriptor } from '../../shared/src/separation/descriptor-presets.ts';
import type { ModelDescriptor } from '../../shared/src/separation/descriptor.ts';
import { buildHtdemucsLikeModel } from '../../models/builders/htdemucs-like.ts';
import { bandMasks, buildHtdemucsMaskModel } from '../../models/builders/test-models.ts';

export interface TestModel {
  descriptor: ModelDescriptor;
  bytes: Uint8Array;
}

export function maskModel(id = 'test-bands'): TestModel {
  const descriptor = htdemucsDescriptor({ id, name: 'Test bands (htdemucs contract)', segmentLength: 88_200 });
  const masks = bandMasks(2048, [0, 12, 60, 300, 2048]);
  return { descriptor, bytes: buildHtdemucsMaskModel(descriptor, { masks, timeGains: [0.1, 0, 0.05, 0.02] }) };
}

export function slowModel(id = 'test-slow'): TestModel {
  const descriptor = htdemucsDescriptor({ id, name: 'Test slow (htdemucs layers)' });
  const { bytes } = buildHtdemucsLikeModel(descriptor, {
    channels: [16, 32, 64, 128],
    transformerDim: 128,
    heads: 4,
    feedForward: 256,
    layers: 2,
  });
  return { descriptor, bytes };
}
