// Builds small binary structures (file headers, tags) field by field, in either byte order.
// Audio data never goes through here: encoders write it straight into typed arrays.

const utf8 = new TextEncoder();

export class ByteWriter {
  #bytes: number[] = [];

  get length(): number {
    return this.#bytes.length;
  }

  /** Latin-1 text, one byte per character (FourCCs, magic numbers). */
  ascii(text: string): this {
    for (let i = 0; i < text.length; i++) this.#bytes.push(text.charCodeAt(i) & 0xff);
    return this;
  }

  utf8(text: string): this {
    return this.bytes(utf8.encode(text));
  }

  bytes(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.#bytes.push(bytes[i]! & 0xff);
    return this;
  }

  zeros(count: number): this {
    for (let i = 0; i < count; i++) this.#bytes.push(0);
    return this;
  }

  u8(value: number): this {
    this.#bytes.push(value & 0xff);
    return this;
  }

  u16le(value: number): this {
    return this.u8(value).u8(value >>> 8);
  }

  u32le(value: number): this {
    return this.u16le(value & 0xffff).u16le(value >>> 16);
  }

  u16be(value: number): this {
    return this.u8(value >>> 8).u8(value);
  }

  u24be(value: number): this {
    return this.u8(value >>> 16).u16be(value & 0xffff);
  }

  u32be(value: number): this {
    return this.u16be(value >>> 16).u16be(value & 0xffff);
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}
