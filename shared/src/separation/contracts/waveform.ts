// Waveform-in, waveform-out models: [1, 2, N] -> [1, S, 2, N], no DSP around the run.

import type { InferenceSession } from '../../inference/session.ts';
import type { ModelDescriptor, WaveformContract } from '../descriptor.ts';
import { outputOf, stemChannel, stereoTensor, type SegmentRunner, type SegmentStems } from './segment-runner.ts';

export function createWaveformRunner(
  session: InferenceSession,
  descriptor: ModelDescriptor,
  contract: WaveformContract,
): SegmentRunner {
  const length = descriptor.segmentLength;
  const slots = [stereoTensor(length), stereoTensor(length)] as const;
  const inputName = contract.inputs.waveform.name;
  const stems = contract.outputs.stems;
  return {
    segmentLength: length,
    slots: [slots[0].channels, slots[1].channels],
    prepare() {},
    execute(index) {
      return session.run({ [inputName]: slots[index] }, [stems.name]);
    },
    finish(outputs, wanted) {
      const data = outputOf(outputs, 'stems', stems, descriptor);
      return wanted.map((want, s) =>
        want ? ([stemChannel(data, s, 0, length), stemChannel(data, s, 1, length)] as const) : undefined,
      ) satisfies SegmentStems;
    },
  };
}
