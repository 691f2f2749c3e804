// Complex FFT of any size whose prime factors are 2, 3 and 5 (Stockham autosort: radix-4
// passes first, then 2, 3, 5), on split real/imaginary Float64Arrays. Power-of-two sizes serve
// htdemucs; 6144 and 7680 (3 and 15 times a power of two) serve MDX-Net models.

const SQRT3_2 = Math.sqrt(3) / 2;
const C1 = Math.cos((2 * Math.PI) / 5);
const C2 = Math.cos((4 * Math.PI) / 5);
const S1 = Math.sin((2 * Math.PI) / 5);
const S2 = Math.sin((4 * Math.PI) / 5);
const SQRT1_2 = Math.SQRT1_2;

type Radix = 2 | 3 | 4 | 5 | 8;

interface Pass {
  radix: Radix;
  /** Length of the sub-transforms this pass splits, and their stride in the buffer. */
  length: number;
  stride: number;
  /** Twiddles w^(j*k) for j < length / radix and k = 1 .. radix-1, interleaved re/im by j. */
  twiddles: Float64Array;
}

/** The factors of `size` in pass order, or undefined when another prime divides it. */
export function fftFactors(size: number): Radix[] | undefined {
  if (!Number.isInteger(size) || size < 1) return undefined;
  const factors: Radix[] = [];
  let rest = size;
  // Radix 8 first: fewer passes over the data is what saves time in JS.
  for (const radix of [8, 4, 2, 3, 5] as const) {
    while (rest % radix === 0) {
      factors.push(radix);
      rest /= radix;
    }
  }
  return rest === 1 ? factors : undefined;
}

export class ComplexFft {
  readonly size: number;
  readonly #passes: Pass[];
  readonly #re: Float64Array;
  readonly #im: Float64Array;

  constructor(size: number) {
    const factors = fftFactors(size);
    if (!factors) throw new RangeError(`FFT size must have no prime factors but 2, 3 and 5, got ${size}`);
    this.size = size;
    this.#re = new Float64Array(size);
    this.#im = new Float64Array(size);
    this.#passes = [];
    let length = size;
    let stride = 1;
    for (const radix of factors) {
      const m = length / radix;
      const twiddles = new Float64Array(2 * m * (radix - 1));
      for (let j = 0; j < m; j++) {
        for (let k = 1; k < radix; k++) {
          const angle = (-2 * Math.PI * j * k) / length;
          twiddles[2 * (j * (radix - 1) + k - 1)] = Math.cos(angle);
          twiddles[2 * (j * (radix - 1) + k - 1) + 1] = Math.sin(angle);
        }
      }
      this.#passes.push({ radix, length, stride, twiddles });
      length = m;
      stride *= radix;
    }
  }

  /**
   * Forward transform in place, unnormalised: X[k] = sum x[n] e^{-2 pi i k n / N}. For the
   * inverse (times N), pass the imaginary part as `re` and the real part as `im`.
   */
  transform(re: Float64Array, im: Float64Array): void {
    let xr = re;
    let xi = im;
    let yr = this.#re;
    let yi = this.#im;
    for (const pass of this.#passes) {
      if (pass.radix === 8) radix8(pass, xr, xi, yr, yi);
      else if (pass.radix === 4) radix4(pass, xr, xi, yr, yi);
      else if (pass.radix === 2) radix2(pass, xr, xi, yr, yi);
      else if (pass.radix === 3) radix3(pass, xr, xi, yr, yi);
      else radix5(pass, xr, xi, yr, yi);
      [xr, yr] = [yr, xr];
      [xi, yi] = [yi, xi];
    }
    if (xr !== re) {
      re.set(xr);
      im.set(xi);
    }
  }
}

// Each pass reads sub-transform element j + r*m (r < radix) at stride s and writes the
// twiddled butterfly output k to position radix*j + k, at the same stride.

function radix2(
  { length, stride: s, twiddles: w }: Pass,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
) {
  const m = length / 2;
  for (let j = 0; j < m; j++) {
    const wr = w[2 * j]!;
    const wi = w[2 * j + 1]!;
    const a0 = s * j;
    const a1 = s * (j + m);
    const b0 = s * 2 * j;
    const b1 = b0 + s;
    for (let q = 0; q < s; q++) {
      const ar = xr[a0 + q]!;
      const ai = xi[a0 + q]!;
      const br = xr[a1 + q]!;
      const bi = xi[a1 + q]!;
      yr[b0 + q] = ar + br;
      yi[b0 + q] = ai + bi;
      const dr = ar - br;
      const di = ai - bi;
      yr[b1 + q] = dr * wr - di * wi;
      yi[b1 + q] = dr * wi + di * wr;
    }
  }
}

function radix4(
  { length, stride: s, twiddles: w }: Pass,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
) {
  const m = length / 4;
  for (let j = 0; j < m; j++) {
    const w1r = w[6 * j]!;
    const w1i = w[6 * j + 1]!;
    const w2r = w[6 * j + 2]!;
    const w2i = w[6 * j + 3]!;
    const w3r = w[6 * j + 4]!;
    const w3i = w[6 * j + 5]!;
    const a0 = s * j;
    const a1 = s * (j + m);
    const a2 = s * (j + 2 * m);
    const a3 = s * (j + 3 * m);
    const b0 = s * 4 * j;
    const b1 = b0 + s;
    const b2 = b1 + s;
    const b3 = b2 + s;
    for (let q = 0; q < s; q++) {
      const x0r = xr[a0 + q]!;
      const x0i = xi[a0 + q]!;
      const x1r = xr[a1 + q]!;
      const x1i = xi[a1 + q]!;
      const x2r = xr[a2 + q]!;
      const x2i = xi[a2 + q]!;
      const x3r = xr[a3 + q]!;
      const x3i = xi[a3 + q]!;
      const t0r = x0r + x2r;
      const t0i = x0i + x2i;
      const t1r = x0r - x2r;
      const t1i = x0i - x2i;
      const t2r = x1r + x3r;
      const t2i = x1i + x3i;
      // (x1 - x3) * -i
      const t3r = x1i - x3i;
      const t3i = x3r - x1r;
      yr[b0 + q] = t0r + t2r;
      yi[b0 + q] = t0i + t2i;
      const y1r = t1r + t3r;
      const y1i = t1i + t3i;
      yr[b1 + q] = y1r * w1r - y1i * w1i;
      yi[b1 + q] = y1r * w1i + y1i * w1r;
      const y2r = t0r - t2r;
      const y2i = t0i - t2i;
      yr[b2 + q] = y2r * w2r - y2i * w2i;
      yi[b2 + q] = y2r * w2i + y2i * w2r;
      const y3r = t1r - t3r;
      const y3i = t1i - t3i;
      yr[b3 + q] = y3r * w3r - y3i * w3i;
      yi[b3 + q] = y3r * w3i + y3i * w3r;
    }
  }
}

function radix8(
  { length, stride: s, twiddles: w }: Pass,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
) {
  const m = length / 8;
  const sm = s * m;
  for (let j = 0; j < m; j++) {
    const a0 = s * j;
    const b0 = 8 * a0;
    const tw = 14 * j;
    for (let q = 0; q < s; q++) {
      const i0 = a0 + q;
      // Radix-2 split: b = a[r] + a[r+4], c = (a[r] - a[r+4]) * W8^r, W8 = e^{-i pi/4}.
      const x0r = xr[i0]!;
      const x0i = xi[i0]!;
      const x4r = xr[i0 + 4 * sm]!;
      const x4i = xi[i0 + 4 * sm]!;
      const x1r = xr[i0 + sm]!;
      const x1i = xi[i0 + sm]!;
      const x5r = xr[i0 + 5 * sm]!;
      const x5i = xi[i0 + 5 * sm]!;
      const x2r = xr[i0 + 2 * sm]!;
      const x2i = xi[i0 + 2 * sm]!;
      const x6r = xr[i0 + 6 * sm]!;
      const x6i = xi[i0 + 6 * sm]!;
      const x3r = xr[i0 + 3 * sm]!;
      const x3i = xi[i0 + 3 * sm]!;
      const x7r = xr[i0 + 7 * sm]!;
      const x7i = xi[i0 + 7 * sm]!;
      const b0r = x0r + x4r;
      const b0i = x0i + x4i;
      const b1r = x1r + x5r;
      const b1i = x1i + x5i;
      const b2r = x2r + x6r;
      const b2i = x2i + x6i;
      const b3r = x3r + x7r;
      const b3i = x3i + x7i;
      const c0r = x0r - x4r;
      const c0i = x0i - x4i;
      const d1r = x1r - x5r;
      const d1i = x1i - x5i;
      const c1r = SQRT1_2 * (d1r + d1i);
      const c1i = SQRT1_2 * (d1i - d1r);
      const c2r = x2i - x6i;
      const c2i = x6r - x2r;
      const d3r = x3r - x7r;
      const d3i = x3i - x7i;
      const c3r = SQRT1_2 * (d3i - d3r);
      const c3i = -SQRT1_2 * (d3r + d3i);
      // Two 4-point DFTs give the even and the odd outputs.
      const e0r = b0r + b2r;
      const e0i = b0i + b2i;
      const e1r = b0r - b2r;
      const e1i = b0i - b2i;
      const e2r = b1r + b3r;
      const e2i = b1i + b3i;
      const e3r = b1i - b3i;
      const e3i = b3r - b1r;
      const o0r = c0r + c2r;
      const o0i = c0i + c2i;
      const o1r = c0r - c2r;
      const o1i = c0i - c2i;
      const o2r = c1r + c3r;
      const o2i = c1i + c3i;
      const o3r = c1i - c3i;
      const o3i = c3r - c1r;
      const out = b0 + q;
      yr[out] = e0r + e2r;
      yi[out] = e0i + e2i;
      twiddle(yr, yi, out + s, o0r + o2r, o0i + o2i, w, tw / 2);
      twiddle(yr, yi, out + 2 * s, e1r + e3r, e1i + e3i, w, tw / 2 + 1);
      twiddle(yr, yi, out + 3 * s, o1r + o3r, o1i + o3i, w, tw / 2 + 2);
      twiddle(yr, yi, out + 4 * s, e0r - e2r, e0i - e2i, w, tw / 2 + 3);
      twiddle(yr, yi, out + 5 * s, o0r - o2r, o0i - o2i, w, tw / 2 + 4);
      twiddle(yr, yi, out + 6 * s, e1r - e3r, e1i - e3i, w, tw / 2 + 5);
      twiddle(yr, yi, out + 7 * s, o1r - o3r, o1i - o3i, w, tw / 2 + 6);
    }
  }
}

function radix3(
  { length, stride: s, twiddles: w }: Pass,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
) {
  const m = length / 3;
  for (let j = 0; j < m; j++) {
    const w1r = w[4 * j]!;
    const w1i = w[4 * j + 1]!;
    const w2r = w[4 * j + 2]!;
    const w2i = w[4 * j + 3]!;
    const a0 = s * j;
    const a1 = s * (j + m);
    const a2 = s * (j + 2 * m);
    const b0 = s * 3 * j;
    const b1 = b0 + s;
    const b2 = b1 + s;
    for (let q = 0; q < s; q++) {
      const x0r = xr[a0 + q]!;
      const x0i = xi[a0 + q]!;
      const sr = xr[a1 + q]! + xr[a2 + q]!;
      const si = xi[a1 + q]! + xi[a2 + q]!;
      // -i * sqrt(3)/2 * (x1 - x2)
      const dr = SQRT3_2 * (xi[a1 + q]! - xi[a2 + q]!);
      const di = -SQRT3_2 * (xr[a1 + q]! - xr[a2 + q]!);
      const mr = x0r - 0.5 * sr;
      const mi = x0i - 0.5 * si;
      yr[b0 + q] = x0r + sr;
      yi[b0 + q] = x0i + si;
      const y1r = mr + dr;
      const y1i = mi + di;
      yr[b1 + q] = y1r * w1r - y1i * w1i;
      yi[b1 + q] = y1r * w1i + y1i * w1r;
      const y2r = mr - dr;
      const y2i = mi - di;
      yr[b2 + q] = y2r * w2r - y2i * w2i;
      yi[b2 + q] = y2r * w2i + y2i * w2r;
    }
  }
}

function radix5(
  { length, stride: s, twiddles: w }: Pass,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
) {
  const m = length / 5;
  for (let j = 0; j < m; j++) {
    const a0 = s * j;
    const b0 = s * 5 * j;
    for (let q = 0; q < s; q++) {
      const x0r = xr[a0 + q]!;
      const x0i = xi[a0 + q]!;
      const x1r = xr[a0 + s * m + q]!;
      const x1i = xi[a0 + s * m + q]!;
      const x2r = xr[a0 + 2 * s * m + q]!;
      const x2i = xi[a0 + 2 * s * m + q]!;
      const x3r = xr[a0 + 3 * s * m + q]!;
      const x3i = xi[a0 + 3 * s * m + q]!;
      const x4r = xr[a0 + 4 * s * m + q]!;
      const x4i = xi[a0 + 4 * s * m + q]!;
      const p1r = x1r + x4r;
      const p1i = x1i + x4i;
      const m1r = x1r - x4r;
      const m1i = x1i - x4i;
      const p2r = x2r + x3r;
      const p2i = x2i + x3i;
      const m2r = x2r - x3r;
      const m2i = x2i - x3i;
      const c1r = x0r + C1 * p1r + C2 * p2r;
      const c1i = x0i + C1 * p1i + C2 * p2i;
      const c2r = x0r + C2 * p1r + C1 * p2r;
      const c2i = x0i + C2 * p1i + C1 * p2i;
      // -i * (S1 m1 + S2 m2) and -i * (S2 m1 - S1 m2)
      const d1r = S1 * m1i + S2 * m2i;
      const d1i = -(S1 * m1r + S2 * m2r);
      const d2r = S2 * m1i - S1 * m2i;
      const d2i = -(S2 * m1r - S1 * m2r);
      yr[b0 + q] = x0r + p1r + p2r;
      yi[b0 + q] = x0i + p1i + p2i;
      twiddle(yr, yi, b0 + s + q, c1r + d1r, c1i + d1i, w, 4 * j);
      twiddle(yr, yi, b0 + 2 * s + q, c2r + d2r, c2i + d2i, w, 4 * j + 1);
      twiddle(yr, yi, b0 + 3 * s + q, c2r - d2r, c2i - d2i, w, 4 * j + 2);
      twiddle(yr, yi, b0 + 4 * s + q, c1r - d1r, c1i - d1i, w, 4 * j + 3);
    }
  }
}

function twiddle(
  yr: Float64Array,
  yi: Float64Array,
  at: number,
  vr: number,
  vi: number,
  w: Float64Array,
  index: number,
) {
  const wr = w[2 * index]!;
  const wi = w[2 * index + 1]!;
  yr[at] = vr * wr - vi * wi;
  yi[at] = vr * wi + vi * wr;
}
