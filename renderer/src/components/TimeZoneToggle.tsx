import { useDesk } from '../api/DeskContext';
import { changeTimeZone, useStore } from '../store/store';

/**
 * The header's "UTC" switch (issue 14): times in the viewer's zone, or in UTC as
 * tickets and server logs write them. A desk preference, kept across restarts.
 */
export function TimeZoneToggle() {
  const desk = useDesk();
  const zone = useStore((state) => state.timeZone);
  const isUtc = zone === 'utc';
  return (
    <button
      type="button"
      className="time-zone-toggle"
      aria-pressed={isUtc}
      title={isUtc ? 'Times are shown in UTC; press for your own time zone' : 'Times are shown in your time zone; press for UTC'}
      onClick={() => {
        const next = isUtc ? 'local' : 'utc';
        changeTimeZone(next);
        void desk.preferences.set({ timeZone: next });
      }}
    >
      Times in UTC
    </button>
  );
}
