// The run queue: no more than `concurrency` at once, waiting jobs told their place, a slot
// freed when a job ends however it ends.

import { describe, expect, it } from 'vitest';
import { JobQueue, type QueuedItem } from './queue.ts';

interface Item extends QueuedItem {
  name: string;
  positions: [number, number][];
  finish: () => void;
  fail: () => void;
}

function item(name: string): Item {
  return {
    name,
    positions: [],
    finish: () => {},
    fail: () => {},
    onPosition(p, l) {
      this.positions.push([p, l]);
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('JobQueue', () => {
  it('runs up to its concurrency, in order, and tells the waiting their place', async () => {
    const started: string[] = [];
    const queue = new JobQueue<Item>(2, (job) => {
      started.push(job.name);
      return new Promise<void>((resolve, reject) => {
        job.finish = resolve;
        job.fail = () => reject(new Error('boom'));
      });
    });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [Item, Item, Item, Item];
    for (const job of [a, b, c, d]) queue.push(job);
    expect(started).toEqual(['a', 'b']);
    expect([queue.running, queue.waiting]).toEqual([2, 2]);
    expect(c.positions.at(-1)).toEqual([1, 2]);
    expect(d.positions.at(-1)).toEqual([2, 2]);

    a.fail(); // a failure frees its slot too
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    expect(d.positions.at(-1)).toEqual([1, 1]);

    expect(queue.remove(d)).toBe(true);
    expect(queue.remove(d)).toBe(false);
    b.finish();
    c.finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    expect([queue.running, queue.waiting]).toEqual([0, 0]);
  });
});
