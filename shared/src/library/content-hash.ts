// The library's identity for a file: SHA-256 of its bytes, so one song imported twice
// (under any name) is recognised. Web Crypto exists in windows, workers and Node 20.

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
