/**
 * Orders product version strings: dotted numeric parts compare as numbers (24.10.0 > 24.9.3), a
 * leading `v` is ignored, missing parts count as 0 (26.12 = 26.12.0), and a pre-release sorts before
 * its release (26.12.0-rc.2 < 26.12.0), pre-release identifiers compared as SemVer does (numbers
 * numerically, below text). The one comparison the desk, the server and the demo use.
 */
export function compareVersions(left: string, right: string): number {
  const [leftCore, leftPre] = splitVersion(left);
  const [rightCore, rightPre] = splitVersion(right);
  const core = compareParts(leftCore, rightCore, '0');
  if (core !== 0) return core;
  if (leftPre === null || rightPre === null) return leftPre === rightPre ? 0 : leftPre === null ? 1 : -1;
  return compareParts(leftPre, rightPre, null);
}

function splitVersion(version: string): [string[], string[] | null] {
  const text = version.trim().replace(/^v/i, '');
  const dash = text.indexOf('-');
  const core = (dash === -1 ? text : text.slice(0, dash)).split('.');
  return [core, dash === -1 ? null : text.slice(dash + 1).split('.')];
}

function compareParts(left: string[], right: string[], missing: string | null): number {
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const x = left[index] ?? missing;
    const y = right[index] ?? missing;
    // A shorter pre-release list sorts first (SemVer: 1.0.0-alpha < 1.0.0-alpha.1).
    if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
    const order = compareIdentifier(x, y);
    if (order !== 0) return order;
  }
  return 0;
}

function compareIdentifier(x: string, y: string): number {
  const isNumberX = /^\d+$/.test(x);
  const isNumberY = /^\d+$/.test(y);
  if (isNumberX && isNumberY) return Math.sign(Number(x) - Number(y));
  if (isNumberX !== isNumberY) return isNumberX ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
