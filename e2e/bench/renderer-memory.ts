// The memory benches report: the RSS of every renderer process of one Chromium (the tab, its
// workers, their WASM memory), read from /proc, once or sampled for a peak. Linux only; 0
// elsewhere.
import { readFile, readdir } from 'node:fs/promises';

/** RSS of the renderer processes descending from `browserPid`, MB. */
export async function rendererRssMb(browserPid: number): Promise<number> {
  const parents = new Map<number, number>();
  const renderers: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).includes('--type=renderer')) renderers.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 10; p = parents.get(p) ?? 0, hops++) if (p === browserPid) return true;
    return false;
  };
  let total = 0;
  for (const pid of renderers.filter(ours)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }
  return total;
}

/** Samples `rendererRssMb` every `everyMs` until stopped; `stop` resolves with the peak. */
export function sampleRendererMemory(browserPid: number, everyMs = 100): { stop(): Promise<number> } {
  let peak = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rendererRssMb(browserPid));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return peak;
    },
  };
}
