// The speed figure follows the last few seconds, not the whole download, and drops in a stall.
import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate-meter.ts';

describe('RateMeter', () => {
  it('reports nothing until a quarter second has passed, then the recent speed', () => {
    let now = 0;
    const meter = new RateMeter(() => now);
    meter.start();
    now = 100;
    meter.add(1000);
    expect(meter.bytesPerSec()).toBe(0);
    // 1 MB/s for 10 s...
    for (now = 100; now <= 10_000; now += 100) meter.add(100_000);
    now = 10_000;
    expect(meter.bytesPerSec()).toBeCloseTo(1_000_000, -4);
    // ...then 100 kB/s: within the 3 s window the figure has moved all the way.
    for (now = 10_100; now <= 14_000; now += 100) meter.add(10_000);
    now = 14_000;
    expect(meter.bytesPerSec()).toBeCloseTo(100_000, -4);
  });

  it('falls while no byte arrives', () => {
    let now = 0;
    const meter = new RateMeter(() => now);
    meter.start();
    for (now = 100; now <= 3000; now += 100) meter.add(10_000);
    const flowing = meter.bytesPerSec();
    now += 3000;
    expect(meter.bytesPerSec()).toBeLessThan(flowing / 1.5);
  });
});
