// The mixer's audio-thread load: its AudioWorklet reports the mean time process() takes per
// 128-frame render quantum (30 times a second), shown in the mixer as "Audio load". This plays
// the open track's stems in the app's mixer at speed 1 (the stems are only summed: the
// reference) and with the time-stretcher on, and reads that figure against the quantum's
// length, its real-time budget.
import type { Page } from '@playwright/test';

export interface MixerLoad {
  setting: string;
  /** Mean and worst (over 1/30 s periods) time per quantum, ms. */
  meanMs: number;
  worstMs: number;
  budgetMs: number;
  /** Periods sampled. */
  samples: number;
}

async function slide(page: Page, testId: string, value: number): Promise<void> {
  await page.getByTestId(testId).evaluate((element: HTMLInputElement, to) => {
    element.value = String(to);
    element.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

/** On a track page with a finished stem set: plays it in the mixer and samples the load. */
export async function measureMixerLoad(page: Page, seconds = 10): Promise<MixerLoad[]> {
  if ((await page.getByTestId('mixer').count()) === 0) await page.getByTestId('open-mixer').first().click();
  const play = page.getByTestId('mixer-play');
  await page.locator('[data-testid="mixer-play"]:not([disabled])').waitFor();
  const settings: [string, number, number][] = [
    ['speed 100 %, pitch 0 (stems summed)', 100, 0],
    ['speed 75 %, pitch 0 (stretcher on)', 75, 0],
    ['speed 125 %, pitch +3 st (stretcher on)', 125, 3],
  ];
  const results: MixerLoad[] = [];
  for (const [setting, speed, semitones] of settings) {
    await slide(page, 'mixer-speed', speed);
    await slide(page, 'mixer-pitch', semitones);
    await page.getByRole('button', { name: 'Mix forward 5 seconds' }).click();
    if ((await play.getAttribute('aria-label')) !== 'Pause mix') await play.click();
    await page.waitForTimeout(1500); // past the start
    const samples: { render: number; budget: number }[] = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const sample = await page
        .getByTestId('mixer-load')
        .evaluate((element: HTMLElement) => ({
          render: Number(element.dataset.renderMs),
          budget: Number(element.dataset.budgetMs),
        }))
        .catch(() => undefined);
      if (sample) samples.push(sample);
      await page.waitForTimeout(1000 / 30);
    }
    await play.click();
    const renders = samples.map((s) => s.render);
    results.push({
      setting,
      meanMs: renders.reduce((a, b) => a + b, 0) / Math.max(1, renders.length),
      worstMs: Math.max(0, ...renders),
      budgetMs: samples[0]?.budget ?? 0,
      samples: samples.length,
    });
  }
  return results;
}

export function printMixerLoad(loads: MixerLoad[]): void {
  console.log('\nMixer audio thread, 4 stems (time per 128-frame render quantum against its budget)');
  console.log('| setting | mean | worst 1/30 s | budget | mean load | × summing |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const reference = loads[0]?.meanMs ?? 0;
  for (const load of loads) {
    console.log(
      `| ${load.setting} | ${load.meanMs.toFixed(4)} ms | ${load.worstMs.toFixed(4)} ms | ${load.budgetMs.toFixed(3)} ms | ${((100 * load.meanMs) / load.budgetMs).toFixed(1)} % | ${(load.meanMs / (reference || 1)).toFixed(2)} |`,
    );
  }
}
