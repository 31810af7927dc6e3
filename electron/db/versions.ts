/** Compares dotted version strings numerically (24.10.0 > 24.9.3); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const left = a.replace(/^v/, '').split(/[.-]/);
  const right = b.replace(/^v/, '').split(/[.-]/);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const x = left[index] ?? '0';
    const y = right[index] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const diff = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (diff !== 0) return diff > 0 ? 1 : -1;
  }
  return 0;
}
