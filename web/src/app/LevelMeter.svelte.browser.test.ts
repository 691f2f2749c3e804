// The level meter in a real page: how far its bars light for known levels, what it tells a
// screen reader, and the clip light that latches until pressed.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { Level } from '../mixer/mixer.svelte.ts';
import LevelMeter from './LevelMeter.svelte';

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target?.remove();
});

function show(levels: readonly (Level | undefined)[], scale = false) {
  target = document.createElement('div');
  target.style.cssText = 'width: 600px; height: 100px; display: flex;';
  document.body.append(target);
  const props = $state({ levels, label: 'Master level', orientation: 'horizontal' as const, scale });
  component = mount(LevelMeter, { target, props });
  flushSync();
  return props;
}

/** The lit fraction of each bar's RMS layer, read back from the clip-path the browser applies. */
function litFractions(): number[] {
  return [...target.querySelectorAll<HTMLElement>('.bar')].map((bar) => {
    const rms = bar.querySelector<HTMLElement>('.rms')!;
    const inset = getComputedStyle(rms).clipPath.match(/inset\(0(?:px)? ([\d.]+)%/);
    return inset ? 1 - Number(inset[1]) / 100 : Number.NaN;
  });
}

describe('LevelMeter', () => {
  it('lights each bar linearly in dB from −60 to 0 dBFS and says the values', () => {
    show([
      { peakDb: -6, rmsDb: -12 },
      { peakDb: -30, rmsDb: -Infinity },
    ]);
    // −12 dB is 48/60 of the way up; silence lights nothing.
    const [left, right] = litFractions();
    expect(left).toBeCloseTo(0.8, 3);
    expect(right).toBe(0);
    const meter = target.querySelector('[role="meter"]')!;
    expect(meter.getAttribute('aria-label')).toBe('Master level');
    expect(meter.getAttribute('aria-valuenow')).toBe('-6');
    expect(meter.getAttribute('aria-valuetext')).toBe(
      'left peak −6.0 dB, RMS −12.0 dB; right peak −30.0 dB, RMS −∞ dB',
    );
  });

  it('latches the clip light above −0.1 dBFS until it is pressed', () => {
    const props = show([{ peakDb: -0.5, rmsDb: -10 }], true);
    const clip = target.querySelector<HTMLButtonElement>('.clip')!;
    expect(clip.classList.contains('lit')).toBe(false);
    props.levels = [{ peakDb: 0.4, rmsDb: -3 }];
    flushSync();
    props.levels = [{ peakDb: -20, rmsDb: -30 }];
    flushSync();
    expect(clip.classList.contains('lit')).toBe(true);
    expect(target.querySelector('[role="meter"]')!.getAttribute('aria-valuetext')).toMatch(/clipped$/);
    clip.click();
    flushSync();
    expect(clip.classList.contains('lit')).toBe(false);
  });
});
