import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createMemorySink } from './memory-sink.ts';
import type { ByteSink } from './types.ts';
import { createZipWriter } from './zip.ts';

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 17 + (i >> 8)) & 0xff);
}

/** Writes `bytes` in pieces of `pieceBytes`. */
async function writeInPieces(sink: ByteSink, bytes: Uint8Array, pieceBytes: number) {
  for (let at = 0; at < bytes.length; at += pieceBytes) await sink.write(bytes.slice(at, at + pieceBytes));
}

describe('createZipWriter', () => {
  it('writes entries that fflate unzips to the same names and bytes, streaming each as it is written', async () => {
    const memory = createMemorySink();
    const zip = createZipWriter(memory);
    const files: [string, Uint8Array][] = [
      ['Artist - Song (vocals).wav', pattern(100_000, 1)],
      ['Artist - Song (drums).wav', pattern(33_333, 2)],
      ['Artist - Song (empty).wav', new Uint8Array(0)],
    ];
    for (const [name, bytes] of files) {
      const before = memory.length;
      const entry = await zip.addEntry(name, new Date(2024, 4, 17, 12, 30, 10));
      await writeInPieces(entry, bytes, 4093);
      // Every byte written so far is in the sink already, before the entry closes.
      expect(memory.length - before).toBeGreaterThanOrEqual(bytes.length);
      await entry.close();
    }
    const beforeFinish = memory.length;
    expect(beforeFinish).toBeGreaterThan(133_333);
    await zip.finish();
    expect(memory.length).toBeGreaterThan(beforeFinish);

    const unzipped = unzipSync(memory.bytes());
    expect(Object.keys(unzipped)).toEqual(files.map(([name]) => name));
    for (const [name, bytes] of files) expect(unzipped[name]).toEqual(bytes);
  });

  it('stores entries uncompressed with their modification time', async () => {
    const memory = createMemorySink();
    const zip = createZipWriter(memory);
    const entry = await zip.addEntry('a.wav', new Date(2024, 4, 17, 12, 30, 10));
    await entry.write(new Uint8Array(1000));
    await entry.close();
    await zip.finish();
    const bytes = memory.bytes();
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(0, true)).toBe(0x04034b50);
    expect(view.getUint16(8, true)).toBe(0); // compression method: stored
    const dosDate = view.getUint16(12, true);
    expect([(dosDate >> 9) + 1980, (dosDate >> 5) & 15, dosDate & 31]).toEqual([2024, 5, 17]);
  });

  it('keeps unicode names (UTF-8 flag set)', async () => {
    const memory = createMemorySink();
    const zip = createZipWriter(memory);
    const names = ['Björk - Jóga (vocals).flac', '坂本龍一 - 戦場のメリークリスマス (mix).mp3', 'Ünïcødé 🎵.wav'];
    for (const name of names) {
      const entry = await zip.addEntry(name);
      await entry.write(new TextEncoder().encode(name));
      await entry.close();
    }
    await zip.finish();
    const bytes = memory.bytes();
    expect(new DataView(bytes.buffer).getUint16(6, true) & 0x800).toBe(0x800);
    const unzipped = unzipSync(bytes);
    expect(Object.keys(unzipped)).toEqual(names);
    for (const name of names) expect(new TextDecoder().decode(unzipped[name])).toBe(name);
  });

  it('allows one open entry at a time, and no duplicate names', async () => {
    const zip = createZipWriter(createMemorySink());
    const first = await zip.addEntry('a.wav');
    await expect(zip.addEntry('b.wav')).rejects.toThrow(/while "a.wav" is still open/);
    await expect(zip.finish()).rejects.toThrow(/still open/);
    await first.close();
    await expect(zip.addEntry('a.wav')).rejects.toThrow(/already has an entry "a.wav"/);
    await zip.finish();
    await expect(zip.addEntry('c.wav')).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('passes on a failing sink', async () => {
    const zip = createZipWriter({
      write: async () => {
        throw new Error('disk full');
      },
    });
    const entry = await zip.addEntry('a.wav');
    await expect(entry.write(new Uint8Array(10))).rejects.toThrow('disk full');
  });
});
