// Which stems Quick must synthesise for a request, and which it derives in the time domain:
// 'other' as mix - vocals - drums - bass when all four are wanted (one inverse FFT fewer, and the
// stems then sum to the mix to float32 rounding), 'instrumental' as mix - vocals.

import { SfaError } from '../../protocol/errors.ts';
import type { StemName } from '../types.ts';

export const QUICK_STEMS = ['vocals', 'drums', 'bass', 'other'] as const;
export type QuickStem = (typeof QUICK_STEMS)[number];

export interface StemPlan {
  /** Requested stems, in request order, without duplicates. */
  requested: StemName[];
  /** Stems synthesised from their masks, as indices into QUICK_STEMS. */
  synthesised: number[];
  /** 'other' comes from subtracting the other three from the mix. */
  otherByDifference: boolean;
}

/** @throws SfaError('bad-request') for an empty list or a stem Quick cannot make. */
export function planStems(stems: readonly StemName[] | undefined): StemPlan {
  const requested = [...new Set(stems ?? QUICK_STEMS)];
  if (requested.length === 0) throw new SfaError('bad-request', 'no stems were requested');
  for (const stem of requested) {
    if (stem !== 'instrumental' && !(QUICK_STEMS as readonly string[]).includes(stem)) {
      throw new SfaError(
        'bad-request',
        `Quick has no stem "${stem}"; it has ${[...QUICK_STEMS, 'instrumental'].join(', ')}`,
      );
    }
  }
  const needed = new Set<string>(requested.filter((stem) => stem !== 'instrumental'));
  if (requested.includes('instrumental')) needed.add('vocals');
  const otherByDifference = QUICK_STEMS.every((stem) => needed.has(stem));
  if (otherByDifference) needed.delete('other');
  const synthesised = QUICK_STEMS.flatMap((stem, index) => (needed.has(stem) ? [index] : []));
  return { requested, synthesised, otherByDifference };
}
