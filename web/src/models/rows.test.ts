// The settings list's rows: state and checksum status from what is stored and running, and
// stored things no catalogue lists any more still shown.
import { describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '@sfa/shared/separation/catalogue';
import { mdxDescriptor } from '@sfa/shared/separation/descriptor-presets';
import type { ModelDownloadRecord, ModelRecord } from '../storage/db.ts';
import { modelRows } from './rows.ts';

function entry(id: string, overrides: Partial<CatalogueEntry> = {}): CatalogueEntry {
  return {
    ...mdxDescriptor({ id, name: `Model ${id}`, nFft: 6144, dimF: 3072, dimT: 256 }),
    url: `https://example.org/${id}.onnx`,
    bytes: 1000,
    sha256: 'a'.repeat(64),
    checksumVerified: false,
    licence: 'MIT',
    ...overrides,
  };
}

function stored(id: string, overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    id,
    descriptor: mdxDescriptor({ id, name: `Stored ${id}`, nFft: 6144, dimF: 3072, dimT: 256 }),
    source: 'catalogue',
    blob: new Blob([]),
    byteSize: 900,
    sha256: 'a'.repeat(64),
    verification: 'checksum',
    storedAt: 0,
    ...overrides,
  };
}

const download = (id: string): ModelDownloadRecord => ({
  id,
  url: '',
  totalBytes: 1000,
  receivedBytes: 400,
  parts: 1,
  startedAt: 0,
  updatedAt: 0,
});

describe('modelRows', () => {
  it('gives each catalogue entry its state and checksum status', () => {
    const entries = ['ready', 'recorded', 'differs', 'paused', 'running', 'new', 'published'].map((id) => ({
      entry: entry(id, id === 'published' ? { checksumVerified: true } : {}),
      sourceLabel: 'Built in',
    }));
    const rows = modelRows({
      entries,
      stored: [
        stored('ready'),
        stored('recorded', { verification: 'recorded' }),
        stored('differs', { verification: 'recorded', sha256: 'b'.repeat(64) }),
      ],
      downloads: [download('paused'), download('running')],
      active: { running: { stage: 'download', fraction: 0.5, receivedBytes: 500, totalBytes: 1000, bytesPerSec: 10 } },
      errors: { new: 'Could not reach the server' },
    });
    const view = Object.fromEntries(rows.map((row) => [row.id, [row.state, row.checksum]]));
    expect(view).toEqual({
      ready: ['ready', 'verified'],
      recorded: ['ready', 'recorded'],
      differs: ['ready', 'differs'],
      paused: ['paused', 'unverified'],
      running: ['downloading', 'unverified'],
      new: ['not-downloaded', 'unverified'],
      published: ['not-downloaded', 'published'],
    });
    expect(rows.find((row) => row.id === 'paused')).toMatchObject({ receivedBytes: 400, bytes: 1000 });
    expect(rows.find((row) => row.id === 'ready')).toMatchObject({ bytes: 900, name: 'Stored ready' });
    expect(rows.find((row) => row.id === 'new')!.error).toBe('Could not reach the server');
  });

  it('still lists imported models and what a removed catalogue left behind', () => {
    const rows = modelRows({
      entries: [],
      stored: [stored('mine', { source: 'local', verification: 'local' }), stored('orphan')],
      downloads: [download('half')],
      active: {},
      errors: {},
    });
    expect(rows.map((row) => [row.id, row.source, row.state, row.checksum])).toEqual([
      ['mine', 'Imported file', 'ready', 'local'],
      ['orphan', 'No longer listed', 'ready', 'verified'],
      ['half', 'No longer listed', 'paused', 'unverified'],
    ]);
    // Without a catalogue entry a paused download cannot be resumed, only deleted.
    expect(rows[2]!.entry).toBeUndefined();
  });
});
