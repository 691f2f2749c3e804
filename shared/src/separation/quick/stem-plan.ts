// Which stems Quick synthesises for a request, and which it derives in the time domain. Vocals
// and bass come from the centre channel as one inverse FFT (a real signal each in its real and
// imaginary parts), drums from a stereo mask as another; 'other' is always mix - vocals - drums -
// bass, so the four sum to the mix to float32 rounding, and 'instrumental' is mix - vocals.

import { SfaError } from '../../protocol/errors.ts';
import type { StemName } from '../types.ts';
import type { Synthesis } from './frame-stream.ts';

/** The stems, in the order of the model's masks. */
export const QUICK_STEMS = ['vocals', 'drums', 'bass', 'other'] as const;
export type QuickStem = (typeof QUICK_STEMS)[number];

const VOCALS = 0;
const DRUMS = 1;
const BASS = 2;

export interface StemPlan {
  /** Requested stems, in request order, without duplicates. */
  requested: StemName[];
  /** The inverse FFTs per frame. */
  syntheses: Synthesis[];
  /** Synthesised stems, as indices into QUICK_STEMS. */
  synthesised: number[];
}

/** @throws SfaError('bad-request') for an empty list or a stem Quick cannot make. */
export function planStems(stems: readonly StemName[] | undefined): StemPlan {
  const requested = [...new Set(stems ?? QUICK_STEMS)];
  if (requested.length === 0) throw new SfaError('bad-request', 'no stems were requested');
  for (const stem of requested) {
    if (stem !== 'instrumental' && !(QUICK_STEMS as readonly string[]).includes(stem)) {
      const known = [...QUICK_STEMS, 'instrumental'].join(', ');
      throw new SfaError('bad-request', `Quick has no stem "${stem}"; it has ${known}`);
    }
  }
  const wants = (stem: StemName) => requested.includes(stem);
  const vocals = wants('vocals') || wants('instrumental') || wants('other');
  const bass = wants('bass') || wants('other');
  const drums = wants('drums') || wants('other');
  const syntheses: Synthesis[] = [];
  if (vocals && bass) syntheses.push({ kind: 'mid', masks: [VOCALS, BASS] });
  else if (vocals || bass) syntheses.push({ kind: 'mid', masks: [vocals ? VOCALS : BASS] });
  if (drums) syntheses.push({ kind: 'stereo', mask: DRUMS });
  const synthesised = [vocals && VOCALS, drums && DRUMS, bass && BASS].filter((index) => index !== false);
  return { requested, syntheses, synthesised };
}
