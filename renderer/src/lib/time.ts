/**
 * Time formatting for the renderer. Every time on screen carries its zone (issue
 * 14): the viewer's own zone by default, or UTC when the user chose it (tickets
 * and server logs speak UTC). Hovering a time shows the exact ISO time and the
 * moment in both zones ({@link timeTitle}). The day a timeline event belongs to is
 * the day it occurred on in the chosen zone.
 */

import type { DisplayTimeZone } from '../../../shared/ipc/views';
import { countOf } from './plural';

let displayZone: DisplayTimeZone = 'local';

/** Chooses the zone times are shown in; the store calls it when the preference loads or changes. */
export function setDisplayTimeZone(zone: DisplayTimeZone): void {
  displayZone = zone;
}

/** The zone times are shown in now. */
export function displayTimeZone(): DisplayTimeZone {
  return displayZone;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatIn(zone: DisplayTimeZone, name: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${zone}:${name}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, { ...options, ...(zone === 'utc' ? { timeZone: 'UTC' } : {}) });
    formats.set(key, format);
  }
  return format;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** `YYYY-MM-DD` of the day `iso` falls on in the chosen zone. */
export function localDayKey(iso: string): string {
  const date = new Date(iso);
  const isUtc = displayZone === 'utc';
  const month = String((isUtc ? date.getUTCMonth() : date.getMonth()) + 1).padStart(2, '0');
  const day = String(isUtc ? date.getUTCDate() : date.getDate()).padStart(2, '0');
  return `${isUtc ? date.getUTCFullYear() : date.getFullYear()}-${month}-${day}`;
}

/** "Mon, 24 Nov 2026" for a `YYYY-MM-DD` day key of the chosen zone. */
export function formatDayKey(dayKey: string): string {
  const [year, month, day] = dayKey.split('-').map(Number);
  // Noon of that day in the zone shown: the same calendar day whatever the zone's offset.
  const noon =
    displayZone === 'utc'
      ? new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1, 12))
      : new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1, 12);
  return formatIn(displayZone, 'day', { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' }).format(noon);
}

/** Wall-clock time of day with its zone ("14:02:07 UTC", "3:02:07 PM GMT+1"). */
export function formatTime(iso: string): string {
  return formatIn(displayZone, 'time', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' }).format(
    new Date(iso),
  );
}

/** Date and time with its zone ("Nov 20, 2026, 12:00:00 PM UTC"). */
export function formatDateTime(iso: string): string {
  return formatIn(displayZone, 'datetime', { dateStyle: 'medium', timeStyle: 'long' }).format(new Date(iso));
}

/**
 * What hovering a time shows: the exact ISO time, then the moment in the
 * viewer's zone and in UTC ("2026-11-20T12:00:00.000Z · Fri, Nov 20, 2026, 7:00:00 AM
 * EST (your time) · 12:00:00 PM UTC").
 */
export function timeTitle(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const local = formatIn('local', 'full', { dateStyle: 'full', timeStyle: 'long' }).format(date);
  const utc = formatIn('utc', 'full', { dateStyle: 'full', timeStyle: 'long' }).format(date);
  return local === utc ? `${date.toISOString()} · ${utc}` : `${date.toISOString()} · ${local} (your time) · ${utc}`;
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
