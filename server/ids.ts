import { ulid } from '../shared/ulid';

/**
 * ULIDs that sort in the order they were made, also within one millisecond:
 * events inserted in one batch keep their batch order under `ORDER BY id`.
 */
export function createIdGenerator(): (time: number) => string {
  let lastTime = -1;
  let lastRandom = '';
  return (time) => {
    const millis = Math.max(Math.floor(time), lastTime);
    if (millis === lastTime) {
      lastRandom = incrementBase32(lastRandom);
    } else {
      lastTime = millis;
      lastRandom = ulid(millis).slice(10);
    }
    return ulid(millis, () => 0).slice(0, 10) + lastRandom;
  };
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function incrementBase32(value: string): string {
  const digits = value.split('');
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    const position = ALPHABET.indexOf(digits[index] ?? '0');
    if (position < ALPHABET.length - 1) {
      digits[index] = ALPHABET.charAt(position + 1);
      return digits.join('');
    }
    digits[index] = '0';
  }
  // 80 random bits wrapped within one millisecond: practically impossible; keep ids unique anyway.
  return ulid(Date.now()).slice(10);
}
