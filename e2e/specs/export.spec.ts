// Exporting stems and mixes in the app: every format's file is downloaded and decoded in Node by
// an independent decoder (wavefile, libFLAC's WASM build, mpg123) for its rate and length; a ZIP
// holds one right-named file per stem; a mix equals the sum of the stems the app stored; a
// cancel leaves no partial file; stems deleted meanwhile give a clear error.
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { MPEGDecoder } from 'mpg123-decoder';
import { parseBuffer } from 'music-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// wavefile is CommonJS: Node's ESM loader sees only its default export.
import wavefile from 'wavefile';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { synthesiseSong } from '../bench/song.ts';
import { fixture } from '../pages/app-page.ts';
import { separateWithQuick, slide } from '../pages/mixer.ts';
import { newestStemSetId, storedStems, type Stems } from '../pages/stems.ts';

// The fixture has no tags: its title is the file's name and there is no artist, so exports are
// named "Title (part).ext".
const SONG = 'song-a-minor-120.wav';
const TITLE = 'song-a-minor-120';
const STEMS = ['vocals', 'drums', 'bass', 'other'];

type Format = 'wav16' | 'wav24' | 'wav32f' | 'flac16' | 'flac24' | 'mp3';

interface Decoded {
  sampleRate: number;
  channels: Float32Array[];
}

async function separatedSong(page: Page, file = fixture(SONG), title = TITLE): Promise<void> {
  await separateWithQuick(page, file, title, 120_000);
  await page.getByTestId('open-export').click();
  await expect(panel(page)).toBeVisible();
}

function panel(page: Page) {
  return page.getByTestId('export-panel');
}

interface ExportOptions {
  kind?: 'stems' | 'mix';
  stems?: string[];
  format: Format;
  mp3?: { mode: 'vbr'; quality: number } | { mode: 'cbr'; bitrate: number };
  zip?: boolean;
}

/** Sets the panel's choices and starts the export. */
async function startExport(page: Page, options: ExportOptions): Promise<void> {
  const p = panel(page);
  await p
    .getByRole('radio', { name: options.kind === 'mix' ? 'The current mix of these stems' : 'Each stem as a file' })
    .check();
  for (const stem of STEMS)
    await p.getByRole('checkbox', { name: stem, exact: true }).setChecked((options.stems ?? STEMS).includes(stem));
  await p.getByTestId('export-format').selectOption(options.format);
  if (options.mp3?.mode === 'vbr') {
    await p.getByRole('radio', { name: 'Variable bit rate' }).check();
    await p.getByTestId('export-vbr-quality').selectOption(String(options.mp3.quality));
  } else if (options.mp3?.mode === 'cbr') {
    await p.getByRole('radio', { name: 'Constant bit rate' }).check();
    await p.getByTestId('export-bitrate').selectOption(String(options.mp3.bitrate));
  }
  const zip = p.getByRole('checkbox', { name: 'As one ZIP' });
  if (await zip.isVisible()) await zip.setChecked(options.zip ?? false);
  await p.getByTestId('export-start').click();
}

/** Exports, waits for the result `name` and downloads it; returns its bytes. */
async function exportAndDownload(page: Page, options: ExportOptions, name: string): Promise<Uint8Array> {
  const p = panel(page);
  // An earlier export of the same name is replaced: delete it first so the row that appears is new.
  const earlier = p.locator(`[data-testid="export-result"][data-name="${name}"]`);
  if ((await earlier.count()) > 0) {
    await earlier.getByRole('button', { name: `Delete ${name}` }).click();
    await expect(earlier).toHaveCount(0);
  }
  await startExport(page, options);
  const row = p.locator(`[data-testid="export-result"][data-name="${name}"]`);
  await expect(row).toHaveCount(1, { timeout: 60_000 });
  await expect(p.getByTestId('export-error')).toHaveCount(0);
  const downloading = page.waitForEvent('download');
  await row.getByRole('button', { name: `Download ${name}` }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(name);
  const bytes = new Uint8Array(await readFile(await download.path()));
  expect(bytes.length).toBe(Number(await row.getAttribute('data-bytes')));
  return bytes;
}

function decodeWav(bytes: Uint8Array): Decoded & { bitsPerSample: string } {
  const wav = new wavefile.WaveFile();
  wav.fromBuffer(bytes);
  const fmt = wav.fmt as { sampleRate: number; numChannels: number };
  const bits = (wav as unknown as { bitDepth: string }).bitDepth;
  const samples = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const planar = fmt.numChannels === 1 ? [samples as Float64Array] : (samples as Float64Array[]);
  const scale = bits === '32f' ? 1 : 2 ** (Number(bits) - 1);
  return {
    sampleRate: fmt.sampleRate,
    bitsPerSample: bits,
    channels: planar.map((channel) => Float32Array.from(channel, (v) => v / scale)),
  };
}

async function decodeFlac(bytes: Uint8Array): Promise<Decoded & { bitsPerSample: number }> {
  const decoder = new FLACDecoder();
  await decoder.ready;
  try {
    // decode + flush: decodeFile leaves out a last frame shorter than the block size.
    const body = await decoder.decode(bytes);
    const tail = await decoder.flush();
    expect([...body.errors, ...tail.errors]).toEqual([]);
    const channels = body.channelData.map((channel, c) => {
      const joined = new Float32Array(channel.length + (tail.channelData[c]?.length ?? 0));
      joined.set(channel);
      joined.set(tail.channelData[c] ?? [], channel.length);
      return joined;
    });
    return { sampleRate: body.sampleRate, channels, bitsPerSample: body.bitDepth };
  } finally {
    decoder.free();
  }
}

/** STREAMINFO, the FLAC header's facts (read here, not by the decoder under test). */
function flacStreamInfo(bytes: Uint8Array): {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  totalSamples: number;
} {
  expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('fLaC');
  const at = 8 + 10; // "fLaC", the block header, then block sizes (4 bytes) and frame sizes (6)
  const b = (i: number) => bytes[at + i]!;
  return {
    sampleRate: (b(0) << 12) | (b(1) << 4) | (b(2) >> 4),
    channels: ((b(2) >> 1) & 0x7) + 1,
    bitsPerSample: (((b(2) & 0x1) << 4) | (b(3) >> 4)) + 1,
    totalSamples: (b(3) & 0xf) * 2 ** 32 + ((b(4) << 24) >>> 0) + (b(5) << 16) + (b(6) << 8) + b(7),
  };
}

async function decodeMp3(bytes: Uint8Array): Promise<Decoded> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const { channelData, sampleRate } = decoder.decode(bytes);
    return { sampleRate, channels: channelData };
  } finally {
    decoder.free();
  }
}

function maxDifference(actual: Float32Array[], expected: Float32Array[]): number {
  let worst = 0;
  expected.forEach((channel, c) => {
    const got = actual[c]!;
    expect(got.length).toBe(channel.length);
    for (let i = 0; i < channel.length; i++) worst = Math.max(worst, Math.abs(got[i]! - channel[i]!));
  });
  return worst;
}

test('each format exports one stem: the file decodes at the stem’s rate and length, named after the track', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await separatedSong(page);
  const stored = await storedStems(page, await newestStemSetId(page));
  const vocals = stored.vocals!;
  const frames = vocals[0]!.length;
  // Mono at 22.05 kHz, as the fixture.
  expect(vocals).toHaveLength(1);

  const wavs: [Format, string, number][] = [
    ['wav16', '16', 2 ** -15],
    ['wav24', '24', 2 ** -23],
    ['wav32f', '32f', 0],
  ];
  for (const [format, bits, step] of wavs) {
    const wav = decodeWav(await exportAndDownload(page, { format, stems: ['vocals'] }, `${TITLE} (vocals).wav`));
    expect(wav).toMatchObject({ sampleRate: 22_050, bitsPerSample: bits });
    // Quantised to the format's step (rounded: half a step; the top code clips at 1 - step).
    expect(maxDifference(wav.channels, vocals)).toBeLessThanOrEqual(step);
  }

  for (const [format, bits] of [
    ['flac16', 16],
    ['flac24', 24],
  ] as const) {
    const bytes = await exportAndDownload(page, { format, stems: ['vocals'] }, `${TITLE} (vocals).flac`);
    expect(flacStreamInfo(bytes)).toEqual({
      sampleRate: 22_050,
      channels: 1,
      bitsPerSample: bits,
      totalSamples: frames,
    });
    const flac = await decodeFlac(bytes);
    expect(flac).toMatchObject({ sampleRate: 22_050, bitsPerSample: bits });
    // The WASM decoder (codec-parser) drops a last frame of only a few bytes, which a silent
    // tail encodes to (libFLAC's own `flac -t` decodes every frame): what is missing must be
    // less than one block, and silent in the stem.
    const decoded = flac.channels[0]!.length;
    expect(frames - decoded).toBeGreaterThanOrEqual(0);
    expect(frames - decoded).toBeLessThan(4096);
    expect(vocals[0]!.subarray(decoded).every((v) => Math.abs(v) < 2 ** -bits)).toBe(true);
    // Lossless: the stored samples, to the format's step.
    expect(maxDifference(flac.channels, [vocals[0]!.subarray(0, decoded)])).toBeLessThanOrEqual(2 ** -(bits - 1));
  }

  const mp3s: ExportOptions['mp3'][] = [
    { mode: 'vbr', quality: 2 },
    { mode: 'cbr', bitrate: 128 },
  ];
  for (const mp3 of mp3s) {
    const decoded = await decodeMp3(
      await exportAndDownload(page, { format: 'mp3', stems: ['vocals'], mp3 }, `${TITLE} (vocals).mp3`),
    );
    expect(decoded.sampleRate).toBe(22_050);
    // Exact: the encoder writes LAME's tag with its delay and padding, and mpg123 honours it
    // (without it the length would be off by up to a frame, 576 samples at 22.05 kHz).
    expect(decoded.channels[0]!.length).toBe(frames);
    // Lossy but the same audio, in place: the error is well below the signal.
    let error = 0;
    let signal = 0;
    vocals[0]!.forEach((v, i) => {
      error += (decoded.channels[0]![i]! - v) ** 2;
      signal += v * v;
    });
    expect(Math.sqrt(error / signal)).toBeLessThan(0.3);
  }
});

test('a ZIP of all stems holds one file per stem, named after each, each the stem’s exact length', async ({ page }) => {
  test.setTimeout(180_000);
  await separatedSong(page);
  const stored = await storedStems(page, await newestStemSetId(page));
  const zip = await exportAndDownload(page, { format: 'wav24', zip: true }, `${TITLE} (stems).zip`);
  const entries = unzipSync(zip);
  expect(Object.keys(entries).sort()).toEqual(STEMS.map((stem) => `${TITLE} (${stem}).wav`).sort());
  for (const stem of STEMS) {
    const wav = decodeWav(entries[`${TITLE} (${stem}).wav`]!);
    expect(wav.sampleRate).toBe(22_050);
    expect(wav.channels[0]!.length).toBe(stored[stem]![0]!.length);
    expect(maxDifference(wav.channels, stored[stem]!)).toBeLessThanOrEqual(2 ** -23);
  }
});

function sum(stems: Stems, names: string[]): Float32Array[] {
  const first = stems[names[0]!]!;
  return first.map((_, c) => {
    const out = new Float64Array(first[c]!.length);
    for (const name of names) stems[name]![c]!.forEach((v, i) => (out[i]! += v));
    return Float32Array.from(out);
  });
}

test('the mix of chosen stems is their sum (float WAV within 1e-6) and differs from every single stem', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await separatedSong(page);
  const stored = await storedStems(page, await newestStemSetId(page));
  const chosen = ['vocals', 'bass', 'other'];
  const mix = decodeWav(
    await exportAndDownload(page, { kind: 'mix', stems: chosen, format: 'wav32f' }, `${TITLE} (mix).wav`),
  );
  // A mono set mixed with every pan centred stays mono, at the stems' rate and length.
  expect(mix.channels).toHaveLength(1);
  expect(mix.sampleRate).toBe(22_050);
  expect(maxDifference(mix.channels, sum(stored, chosen))).toBeLessThan(1e-6);
  for (const stem of STEMS) expect(maxDifference(mix.channels, stored[stem]!)).toBeGreaterThan(0.01);
});

test("the mix follows the mixer: a muted stem is left out, and the mixer's speed stretches it", async ({ page }) => {
  test.setTimeout(180_000);
  await separatedSong(page);
  const stored = await storedStems(page, await newestStemSetId(page));
  await page.getByTestId('open-mixer').click();
  const mixer = page.getByTestId('mixer');
  await mixer.getByRole('button', { name: 'Mute drums' }).click();
  const name = `${TITLE} (mix).wav`;
  const plain = decodeWav(await exportAndDownload(page, { kind: 'mix', format: 'wav32f' }, name));
  expect(maxDifference(plain.channels, sum(stored, ['vocals', 'bass', 'other']))).toBeLessThan(1e-6);

  // Half speed through the stretcher: twice as long to the frame, at the same rate, not silent.
  await slide(mixer.getByTestId('mixer-speed'), 50);
  await panel(page).getByRole('radio', { name: 'The current mix of these stems' }).check();
  await panel(page).getByRole('checkbox', { name: "With the mixer's speed and pitch" }).check();
  const slow = decodeWav(await exportAndDownload(page, { kind: 'mix', format: 'wav32f' }, `${TITLE} (mix, 0.5x).wav`));
  expect(slow.sampleRate).toBe(22_050);
  expect(slow.channels[0]!.length).toBe(Math.round(stored.vocals![0]!.length / 0.5));
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
  expect(slow.channels[0]!.every(Number.isFinite)).toBe(true);
  expect(rms(slow.channels[0]!) / rms(plain.channels[0]!)).toBeGreaterThan(0.5);
});

/** What the export folder in the origin-private file system holds. */
function exportFolderEntries(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle('exports', { create: true });
    const names: string[] = [];
    for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    return names.sort();
  });
}

test('a cancelled export leaves no partial file, and the next export works', async ({ page }) => {
  test.setTimeout(300_000);
  // Three minutes of stereo at 44.1 kHz: four FLAC stems in a ZIP take long enough to cancel.
  const long = join(tmpdir(), 'export-cancel-song.wav');
  await writeFile(long, encodeWav(synthesiseSong(180, 44_100), 44_100, 16));
  await separatedSong(page, long, 'export-cancel-song');
  await startExport(page, { format: 'flac24', zip: true });
  const progress = panel(page).getByTestId('export-progress');
  await expect(progress).toBeVisible();
  await expect
    .poll(async () => Number(await progress.getAttribute('data-fraction')), { timeout: 60_000 })
    .toBeGreaterThan(0);
  await panel(page).getByTestId('export-cancel').click();
  await expect(progress).toHaveCount(0, { timeout: 10_000 });
  await expect(panel(page).getByTestId('export-error')).toHaveCount(0);
  await expect(panel(page).getByTestId('export-result')).toHaveCount(0);
  expect(await exportFolderEntries(page)).toEqual([]);

  const bytes = await exportAndDownload(page, { format: 'wav16', stems: ['drums'] }, 'export-cancel-song (drums).wav');
  const wav = decodeWav(bytes);
  expect(wav.sampleRate).toBe(44_100);
  expect(wav.channels).toHaveLength(2);
  expect(wav.channels[0]!.length).toBe(180 * 44_100);
  expect(await exportFolderEntries(page)).toEqual(['export-cancel-song (drums).wav']);
});

test('exporting stems that were deleted meanwhile says so', async ({ page }) => {
  await separatedSong(page);
  const id = await newestStemSetId(page);
  // Deleted behind the panel's back (another tab, say): the panel still offers the export.
  await page.evaluate(async (jobId) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const tx = db.transaction(['jobs', 'stemSets', 'stemChunks'], 'readwrite');
    tx.objectStore('jobs').delete(jobId);
    tx.objectStore('stemSets').delete(jobId);
    tx.objectStore('stemChunks').delete(IDBKeyRange.bound([jobId, 0], [jobId, Infinity]));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, id);
  await startExport(page, { format: 'wav16', stems: ['vocals'] });
  await expect(panel(page).getByTestId('export-error')).toContainText('deleted');
  await expect(panel(page).getByTestId('export-result')).toHaveCount(0);
});

test('a tagged track exports as "Artist - Title (stem)" with its tags, and shares that very file', async ({ page }) => {
  test.setTimeout(180_000);
  // Headless Chromium on Linux has no share sheet: the page gets one that records what it is given.
  await page.addInitScript(() => {
    const shared: File[] = [];
    (window as unknown as { sharedFiles: File[] }).sharedFiles = shared;
    Object.defineProperty(navigator, 'canShare', {
      configurable: true,
      value: (data?: ShareData) => (data?.files ?? []).every((file) => !file.name.endsWith('.zip')),
    });
    Object.defineProperty(navigator, 'share', {
      configurable: true,
      value: async (data: ShareData) => void shared.push(...(data.files ?? [])),
    });
  });
  // tone.wav carries title "Fixture Tone WAV" and artist "SFA Tests".
  await separatedSong(page, fixture('tone.wav'), 'Fixture Tone WAV');
  const name = 'SFA Tests - Fixture Tone WAV (vocals).wav';
  const bytes = await exportAndDownload(page, { stems: ['vocals'], format: 'wav24', zip: false }, name);
  const tags = await parseBuffer(bytes, { mimeType: 'audio/wav' });
  expect(tags.common.title).toBe('Fixture Tone WAV (vocals)');
  expect(tags.common.artist).toBe('SFA Tests');
  expect(tags.format.sampleRate).toBe(44_100);
  expect(tags.format.numberOfSamples).toBe(110_250);

  await panel(page)
    .locator(`[data-testid="export-result"][data-name="${name}"]`)
    .getByRole('button', { name: `Share ${name}` })
    .click();
  const shared = await page.evaluate(async () => {
    const files = (window as unknown as { sharedFiles: File[] }).sharedFiles;
    return Promise.all(
      files.map(async (file) => ({
        name: file.name,
        type: file.type,
        bytes: [...new Uint8Array(await file.arrayBuffer())],
      })),
    );
  });
  expect(shared).toHaveLength(1);
  expect(shared[0]!.name).toBe(name);
  expect(shared[0]!.type).toBe('audio/wav');
  expect(Buffer.from(shared[0]!.bytes).equals(Buffer.from(bytes))).toBe(true);
});
