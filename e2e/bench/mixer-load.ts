// The mixer's audio-thread load, two ways:
// - In the app: its AudioWorklet reports the mean time process() takes per 128-frame render
//   quantum (30 times a second), shown in the mixer as "Audio load". That clock is Date.now
//   (the worklet scope has no performance.now), so it resolves only a millisecond: fine for
//   the stretcher's load, too coarse for plain summing.
// - Offline: the built app's own processor file rendering 4 stems of noise through an
//   OfflineAudioContext as fast as it can, timed with the page's performance.now: the time per
//   quantum, precisely, at speed 1 (the stems only summed: the reference) and with the
//   stretcher on.
import type { Page } from '@playwright/test';
import { readdir } from 'node:fs/promises';
import { slide } from '../pages/mixer.ts';

export interface MixerLoad {
  setting: string;
  /** Mean and worst (over 1/30 s periods) time per quantum, ms. */
  meanMs: number;
  worstMs: number;
  budgetMs: number;
  /** Periods sampled. */
  samples: number;
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
    await slide(page.getByTestId('mixer-speed'), speed);
    await slide(page.getByTestId('mixer-pitch'), semitones);
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

/** The built processor's URL path (`/assets/mixer.worklet-<hash>.js`). */
export async function workletPath(dist: string): Promise<string> {
  const file = (await readdir(`${dist}/assets`)).find((name) => /^mixer\.worklet-.*\.js$/.test(name));
  if (!file) throw new Error(`no mixer worklet in ${dist}/assets: build first`);
  return `/assets/${file}`;
}

/** Renders `seconds` of 4 stereo stems through the processor per setting; ms per quantum. */
export async function measureWorkletOffline(page: Page, url: string, seconds = 30): Promise<MixerLoad[]> {
  const settings: [string, number, number][] = [
    ['speed 100 %, pitch 0 (stems summed)', 1, 0],
    ['speed 75 %, pitch 0 (stretcher on)', 0.75, 0],
    ['speed 125 %, pitch +3 st (stretcher on)', 1.25, 3],
  ];
  const results: MixerLoad[] = [];
  for (const [setting, rate, semitones] of settings) {
    const ms = await page.evaluate(
      async ({ url, seconds, rate, semitones }) => {
        const sampleRate = 44_100;
        const context = new OfflineAudioContext({ numberOfChannels: 2, length: seconds * sampleRate, sampleRate });
        await context.audioWorklet.addModule(url);
        const node = new AudioWorkletNode(context, 'sfa-mixer', {
          numberOfInputs: 0,
          numberOfOutputs: 1,
          outputChannelCount: [2],
        });
        node.connect(context.destination);
        let heard = 0;
        let ready!: () => void;
        let synced!: () => void;
        const isReady = new Promise<void>((resolve) => (ready = resolve));
        const isSynced = new Promise<void>((resolve) => (synced = resolve));
        node.port.onmessage = (event: MessageEvent<{ type: string }>) => {
          if (event.data.type === 'ready') ready();
          if (event.data.type === 'synced') synced();
        };
        const frames = Math.ceil((seconds * 1.5 + 2) * sampleRate);
        node.port.postMessage({ type: 'init', stems: 4, channels: 2, frames });
        let seed = 1;
        const noise = (length: number) =>
          Float32Array.from({ length }, () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647 - 0.5) * 0.5);
        const chunk = 6 * sampleRate;
        for (let start = 0; start < frames; start += chunk) {
          const n = Math.min(chunk, frames - start);
          const stems = Array.from({ length: 4 }, () => [noise(n), noise(n)]);
          node.port.postMessage({ type: 'chunk', start, frames: n, stems });
        }
        node.port.postMessage({ type: 'gains', gains: Array.from({ length: 4 }, () => [0.25, 0.25]) });
        node.port.postMessage({ type: 'speed', rate, semitones });
        node.port.postMessage({ type: 'play' });
        // Every message handled before rendering starts (offline rendering may not stop for them).
        node.port.postMessage({ type: 'sync', id: 1 });
        await Promise.all([isReady, isSynced]);
        const started = performance.now();
        const output = await context.startRendering();
        const ms = performance.now() - started;
        const left = output.getChannelData(0);
        for (let i = 0; i < left.length; i += 64) heard += left[i]! * left[i]!;
        // Silence would mean nothing was mixed, and the time would mean nothing.
        if (!(heard > 0)) throw new Error('the processor rendered silence');
        return ms;
      },
      { url, seconds, rate, semitones },
    );
    const quanta = (seconds * 44_100) / 128;
    results.push({
      setting,
      meanMs: ms / quanta,
      worstMs: Number.NaN,
      budgetMs: (128 / 44_100) * 1000,
      samples: quanta,
    });
  }
  return results;
}

export function printMixerLoad(loads: MixerLoad[], title: string): void {
  console.log(`\n${title}`);
  console.log('| setting | mean | worst 1/30 s | budget | mean load | × summing |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const reference = loads[0]?.meanMs ?? 0;
  for (const load of loads) {
    console.log(
      `| ${load.setting} | ${load.meanMs.toFixed(4)} ms | ${Number.isNaN(load.worstMs) ? '–' : `${load.worstMs.toFixed(4)} ms`} | ${load.budgetMs.toFixed(3)} ms | ${((100 * load.meanMs) / load.budgetMs).toFixed(1)} % | ${(load.meanMs / (reference || 1)).toFixed(2)} |`,
    );
  }
}
