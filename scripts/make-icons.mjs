// Renders the app icons (PNG, no image tools needed): a stack of four coloured waveform bars,
// one per stem, on the app's dark background. Run once; the PNGs are committed.
//   node scripts/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BACKGROUND = [0x12, 0x10, 0x1a];
const STEMS = [
  [0xff, 0x7a, 0x59], // vocals
  [0xff, 0xc8, 0x57], // drums
  [0x5a, 0xd1, 0xc6], // bass
  [0x9b, 0x8c, 0xff], // other
];

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x + 0.5, y + 0.5), y * (size * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** `safe` is the fraction of the icon the artwork may use (maskable icons keep to 0.8). */
function icon(size, { rounded, safe }) {
  const radius = rounded ? size * 0.22 : 0;
  return png(size, (x, y) => {
    const u = x / size;
    const v = y / size;
    // Rounded-square mask with a one-pixel soft edge.
    const dx = Math.max(radius - x, x - (size - radius), 0);
    const dy = Math.max(radius - y, y - (size - radius), 0);
    const outside = radius ? Math.hypot(dx, dy) - radius : -1;
    const alpha = Math.round(255 * Math.min(1, Math.max(0, 0.5 - outside)));
    // Artwork coordinates in [-1, 1] within the safe zone.
    const ax = (u - 0.5) / (safe / 2);
    const ay = (v - 0.5) / (safe / 2);
    let color = BACKGROUND;
    if (Math.abs(ax) <= 0.8) {
      STEMS.forEach((stemColor, stem) => {
        const centre = -0.6 + stem * 0.4;
        const envelope = 0.12 + 0.1 * Math.abs(Math.sin(ax * (5 + stem * 3) + stem));
        const shaped = envelope * (1 - Math.abs(ax) / 0.9);
        if (Math.abs(ay - centre) <= shaped) color = stemColor;
      });
    }
    return [...color, alpha];
  });
}

const out = new URL('../web/public/icons/', import.meta.url);
writeFileSync(new URL('icon-192.png', out), icon(192, { rounded: true, safe: 0.9 }));
writeFileSync(new URL('icon-512.png', out), icon(512, { rounded: true, safe: 0.9 }));
writeFileSync(new URL('icon-maskable-512.png', out), icon(512, { rounded: false, safe: 0.7 }));
writeFileSync(new URL('apple-touch-icon-180.png', out), icon(180, { rounded: false, safe: 0.8 }));
console.log('icons written to web/public/icons/');
