import { describe, expect, it } from 'vitest';
import { createUniqueNamer, exportFileName, MAX_NAME_BYTES, zipFileName } from './names.ts';

const bytes = (text: string) => new TextEncoder().encode(text).length;

describe('exportFileName', () => {
  it('names stems and mixes', () => {
    expect(exportFileName({ artist: 'Artist', title: 'Title', part: 'vocals', extension: 'wav' })).toBe(
      'Artist - Title (vocals).wav',
    );
    expect(exportFileName({ title: 'Title', part: 'vocals', extension: 'wav' })).toBe('Title (vocals).wav');
    expect(exportFileName({ artist: 'Artist', title: 'Title', part: 'mix', extension: 'mp3' })).toBe(
      'Artist - Title (mix).mp3',
    );
    expect(exportFileName({ artist: '  ', title: 'Title', extension: 'flac' })).toBe('Title.flac');
  });

  it('drops characters unsafe on Windows, macOS or Linux', () => {
    expect(
      exportFileName({ artist: 'AC/DC', title: 'What? <Live> "1979": a|b*c\\d', part: 'drums', extension: 'wav' }),
    ).toBe('ACDC - What Live 1979 abcd (drums).wav');
    expect(exportFileName({ title: 'Tab\there\u0000\u001f\u007fend', extension: 'wav' })).toBe('Tab hereend.wav');
  });

  it('trims dots and spaces at the ends, and avoids Windows device names', () => {
    expect(exportFileName({ title: '...hidden. ', extension: 'wav' })).toBe('hidden.wav');
    expect(exportFileName({ title: 'CON', extension: 'wav' })).toBe('_CON.wav');
    expect(exportFileName({ title: 'con', part: 'bass', extension: 'wav' })).toBe('con (bass).wav');
    expect(exportFileName({ title: '???', extension: 'wav' })).toBe('Untitled.wav');
  });

  it(`caps the name at ${MAX_NAME_BYTES} bytes, keeping the part and extension and whole characters`, () => {
    const long = exportFileName({ artist: 'A', title: 'x'.repeat(500), part: 'vocals', extension: 'wav' });
    expect(bytes(long)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(long.endsWith('xxx (vocals).wav')).toBe(true);
    const wide = exportFileName({ title: '音楽🎵é'.repeat(100), part: 'other', extension: 'flac' });
    expect(bytes(wide)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(wide.endsWith(' (other).flac')).toBe(true);
    expect(wide).not.toContain('\ufffd');
    expect(wide.normalize('NFC')).toBe(wide);
  });

  it('names the ZIP of stems', () => {
    expect(zipFileName({ artist: 'Artist', title: 'Title' })).toBe('Artist - Title (stems).zip');
    expect(zipFileName({ title: 'Title' })).toBe('Title (stems).zip');
  });
});

describe('createUniqueNamer', () => {
  it('numbers repeated names, ignoring case', () => {
    const unique = createUniqueNamer();
    expect(unique('Song (vocals).wav')).toBe('Song (vocals).wav');
    expect(unique('song (vocals).wav')).toBe('song (vocals) (2).wav');
    expect(unique('Song (vocals).wav')).toBe('Song (vocals) (3).wav');
    expect(unique('Song (vocals) (2).wav')).toBe('Song (vocals) (2) (2).wav');
    expect(unique('README')).toBe('README');
    expect(unique('README')).toBe('README (2)');
  });
});
