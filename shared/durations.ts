/**
 * "2 h 5 min", for how far apart two moments are: under a minute, minutes, hours and minutes up
 * to two days, then days. Used by the page and by explanations written in shared/ (suspect
 * reasons), so both say a gap the same way.
 */
export function formatDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  return `${Math.round(hours / 24)} days`;
}
