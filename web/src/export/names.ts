// File names for exports: "Artist - Title (vocals).wav", safe to save on Windows, macOS and Linux
// and unique within one ZIP (compared without case, as Windows and macOS do).

export interface ExportNameParts {
  artist?: string;
  title: string;
  /** What the file holds: a stem ("vocals"), "mix", "stems". */
  part?: string;
  /** Without the dot: "wav". */
  extension: string;
}

/** Leaves room under the common 255-byte limit for a folder prefix or a " (2)" suffix. */
export const MAX_NAME_BYTES = 200;

// Forbidden on Windows (and "/" everywhere), plus control characters.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[/\\:*?"<>|\u0000-\u001f\u007f]/g;
// Names Windows reserves for devices, with or without an extension.
const RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
const utf8 = new TextEncoder();

/**
 * "Artist - Title (part).extension", or "Title (part).extension" without an artist; characters
 * unsafe in file names are dropped, and the name is cut (at a character boundary, keeping the
 * part and extension) to MAX_NAME_BYTES bytes of UTF-8.
 */
export function exportFileName({ artist, title, part, extension }: ExportNameParts): string {
  const safeArtist = cleanText(artist ?? '');
  const safeTitle = cleanText(title) || 'Untitled';
  const safePart = cleanText(part ?? '');
  const safeExtension = cleanText(extension).replace(/^\.+/, '');
  const base = safeArtist ? `${safeArtist} - ${safeTitle}` : safeTitle;
  const suffix = (safePart ? ` (${safePart})` : '') + (safeExtension ? `.${safeExtension}` : '');
  const room = MAX_NAME_BYTES - byteLength(suffix);
  // A part or extension too long to leave the title some room is cut as a whole instead.
  const name = room >= 16 ? trimEnds(cutToBytes(base, room)) + suffix : cutToBytes(base + suffix, MAX_NAME_BYTES);
  return avoidReservedName(trimEnds(name));
}

/** "Artist - Title (stems).zip" */
export function zipFileName(parts: Omit<ExportNameParts, 'part' | 'extension'>): string {
  return exportFileName({ ...parts, part: 'stems', extension: 'zip' });
}

/**
 * A function that returns each name it is given, or, for one it has returned before (ignoring
 * case), the name with " (2)", " (3)"... before its extension.
 */
export function createUniqueNamer(): (name: string) => string {
  const taken = new Set<string>();
  return (name) => {
    const dot = name.lastIndexOf('.');
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = name;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${extension}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  };
}

function cleanText(text: string): string {
  // NFC: macOS file systems may hand back decomposed text; one form keeps names comparable.
  // Tabs and line breaks become spaces before the other control characters go.
  return text.normalize('NFC').replace(/\s+/g, ' ').replace(UNSAFE_CHARACTERS, '').replace(/ +/g, ' ').trim();
}

/** Windows drops trailing dots and spaces; leading ones hide files on Unix. */
function trimEnds(text: string): string {
  return text.replace(/^[\s.]+|[\s.]+$/g, '');
}

function avoidReservedName(name: string): string {
  const dot = name.indexOf('.');
  const stem = dot >= 0 ? name.slice(0, dot) : name;
  if (!name) return 'Untitled';
  return RESERVED_NAMES.test(stem) ? `_${name}` : name;
}

function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends between characters. */
function cutToBytes(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let cut = '';
  let bytes = 0;
  // Whole grapheme clusters, so an accent or an emoji's modifiers are never cut off their base.
  for (const { segment } of new Intl.Segmenter().segment(text)) {
    const segmentBytes = byteLength(segment);
    if (bytes + segmentBytes > maxBytes) break;
    cut += segment;
    bytes += segmentBytes;
  }
  return cut;
}
