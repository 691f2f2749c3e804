// Durations in words a user reads in an error message: "4:00", "1:02:03", "2.50 s".

/** For error messages: `m:ss` (or `h:mm:ss`) from one minute up, seconds with two decimals below (the UI has its own clock format, web/src/app/format.ts). */
export function durationForMessage(durationSec: number): string {
  if (!Number.isFinite(durationSec) || durationSec < 0) return 'an unknown length';
  if (durationSec < 60) return `${durationSec.toFixed(2)} s`;
  const total = Math.round(durationSec);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
