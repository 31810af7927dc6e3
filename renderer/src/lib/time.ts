/**
 * Time formatting for the renderer. Times are shown in the viewer's own time zone
 * and locale; the day a timeline event belongs to is the local day it occurred on.
 */

import { countOf } from './plural';

const dayLabelFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** `YYYY-MM-DD` of the local day `iso` falls on. */
export function localDayKey(iso: string): string {
  const date = new Date(iso);
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/** "Mon, 24 Nov 2026" for a `YYYY-MM-DD` local day key. */
export function formatDayKey(dayKey: string): string {
  const [year, month, day] = dayKey.split('-').map(Number);
  return dayLabelFormat.format(new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1));
}

/** Local wall-clock time of day. */
export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

/** Local date and time. */
export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

/** "just now", "5 min ago", "3 h ago", "2 days ago" (or "in …" for future times). */
export function formatRelative(iso: string, now: number): string {
  const delta = now - Date.parse(iso);
  const future = delta < 0;
  const seconds = Math.abs(delta) / 1000;
  let text: string;
  if (seconds < 45) return 'just now';
  if (seconds < 3600) text = `${Math.round(seconds / 60)} min`;
  else if (seconds < 86_400) text = `${Math.round(seconds / 3600)} h`;
  else {
    const days = Math.round(seconds / 86_400);
    text = countOf(days, 'day', 'days');
  }
  return future ? `in ${text}` : `${text} ago`;
}

/** How far apart two moments are ("2 h 5 min"); one formatter for the page and for reasons written in shared/. */
export { formatDuration } from '../../../shared/durations';

/** The value for an `<input type="datetime-local">` showing `iso` in local time. */
export function toLocalInputValue(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An ISO time (UTC) from a `datetime-local` or `date` input value, read as local time; null if empty or invalid. */
export function fromLocalInputValue(value: string, endOfDay = false): string | null {
  if (value === '') return null;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = dateOnly
    ? endOfDay
      ? new Date(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]), 23, 59, 59, 999)
      : new Date(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]))
    : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
