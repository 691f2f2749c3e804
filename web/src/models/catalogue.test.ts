// Catalogue sources: the built-in one parses, user URLs are checked and remembered, a fetched
// catalogue's failures say what went wrong, and merged lists keep the first listing of an id.
import { describe, expect, it } from 'vitest';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { Catalogue } from '@sfa/shared/separation/catalogue';
import {
  BUILT_IN_CATALOGUE,
  BUILT_IN_LABEL,
  fetchCatalogue,
  loadSavedSources,
  mergeCatalogues,
  normaliseSourceUrl,
  saveSources,
  sourceLabel,
} from './catalogue.ts';

function memoryStorage(initial: Record<string, string> = {}): Storage {
  const map = new Map(Object.entries(initial));
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (index) => [...map.keys()][index] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, value),
  };
}

const mirrorJson = {
  format: 1,
  name: 'Studio mirror',
  models: [{ ...BUILT_IN_CATALOGUE.models[3], url: 'kim.onnx' }],
};

describe('catalogue sources', () => {
  it('builds the shipped catalogue in', () => {
    expect(BUILT_IN_CATALOGUE.models.length).toBeGreaterThanOrEqual(5);
    expect(sourceLabel(undefined, BUILT_IN_CATALOGUE)).toBe(BUILT_IN_LABEL);
  });

  it('accepts only absolute http(s) URLs, with a message that says why', () => {
    expect(normaliseSourceUrl('  http://nas.local:8080/catalogue.json ')).toBe('http://nas.local:8080/catalogue.json');
    expect(() => normaliseSourceUrl('nas.local/catalogue.json')).toThrow(/not a URL/);
    expect(() => normaliseSourceUrl('file:///home/me/catalogue.json')).toThrow(/http:\/\/ or https:\/\//);
  });

  it('remembers sources, and reads a corrupt list as empty', () => {
    const storage = memoryStorage();
    saveSources([{ url: 'http://a.test/c.json', json: mirrorJson, fetchedAt: 5 }], storage);
    expect(loadSavedSources(storage)).toEqual([{ url: 'http://a.test/c.json', json: mirrorJson, fetchedAt: 5 }]);
    expect(loadSavedSources(memoryStorage({ 'sfa-catalogue-sources': '{oops' }))).toEqual([]);
    expect(loadSavedSources(memoryStorage({ 'sfa-catalogue-sources': '[{"nope":1}]' }))).toEqual([]);
  });

  it('fetches a catalogue, resolving its model URLs against its own address', async () => {
    const fetch = (async () => Response.json(mirrorJson)) as typeof globalThis.fetch;
    const { catalogue, json } = await fetchCatalogue('http://nas.local/sfa/catalogue.json', { fetch });
    expect(catalogue.name).toBe('Studio mirror');
    expect(catalogue.models[0]!.url).toBe('http://nas.local/sfa/kim.onnx');
    expect(json).toEqual(mirrorJson);
    expect(sourceLabel('http://nas.local/sfa/catalogue.json', catalogue)).toBe('Studio mirror');
    expect(sourceLabel('http://nas.local/sfa/catalogue.json', { models: [] })).toBe('nas.local');
  });

  it('says whether the server was unreachable, refused, or sent something else', async () => {
    const reasons = async (fetch: typeof globalThis.fetch) =>
      fetchCatalogue('http://nas.local/c.json', { fetch }).then(
        () => undefined,
        (error: unknown) => error as SfaError,
      );
    const unreachable = await reasons(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(unreachable).toMatchObject({ code: 'not-found' });
    expect(unreachable!.message).toMatch(/unreachable.*CORS/);
    expect(await reasons(async () => new Response('no', { status: 404 }))).toMatchObject({ code: 'not-found' });
    expect((await reasons(async () => new Response('<html>')))!.message).toMatch(/not JSON/);
    expect((await reasons(async () => Response.json({ format: 1, models: [{ id: 'x' }] })))!.message).toMatch(
      /models\[0\] "x"/,
    );
  });

  it('merges catalogues in order; a later listing of the same id is hidden and reported', () => {
    const mirror: Catalogue = {
      name: 'Mirror',
      models: [BUILT_IN_CATALOGUE.models[0]!, { ...BUILT_IN_CATALOGUE.models[1]!, id: 'extra' }],
    };
    const { entries, hidden } = mergeCatalogues([
      { label: BUILT_IN_LABEL, catalogue: BUILT_IN_CATALOGUE },
      { url: 'http://m.test/c.json', label: 'Mirror', catalogue: mirror },
      { url: 'http://down.test/c.json', label: 'down.test' },
    ]);
    expect(entries.map((e) => e.entry.id)).toEqual([...BUILT_IN_CATALOGUE.models.map((m) => m.id), 'extra']);
    expect(entries.at(-1)).toMatchObject({ sourceUrl: 'http://m.test/c.json', sourceLabel: 'Mirror' });
    expect(hidden).toEqual([
      { sourceUrl: 'http://m.test/c.json', id: BUILT_IN_CATALOGUE.models[0]!.id, shadowedBy: BUILT_IN_LABEL },
    ]);
  });
});
