const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 48-bit millisecond time + 80 random bits, Crockford base32, so ids sort
 * by creation time. `random` is injectable for deterministic fixtures.
 */
export function ulid(time: number = Date.now(), random: () => number = secureRandom): string {
  if (!Number.isFinite(time) || time < 0 || time > 2 ** 48 - 1) throw new RangeError(`ulid time out of range: ${time}`);
  let out = '';
  let rest = Math.floor(time);
  for (let index = 0; index < 10; index += 1) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  for (let index = 0; index < 16; index += 1) out += ALPHABET.charAt(Math.floor(random() * 32) % 32);
  return out;
}

function secureRandom(): number {
  const buffer = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buffer);
  return (buffer[0] ?? 0) / 2 ** 32;
}
