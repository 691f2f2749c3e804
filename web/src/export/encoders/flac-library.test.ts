import { expect, it } from 'vitest';
import { loadFlac } from './flac-library.ts';

it('loads libflac.js in Node', async () => {
  const flac = await loadFlac();
  expect(flac.isReady()).toBe(true);
  expect(typeof globalThis.fetch).toBe('function');
});
