// How numbers read in the UI: durations as m:ss, sizes in binary units.

/** 185.4 -> "3:05"; 3725 -> "1:02:05"; with `tenths`, 3.25 -> "0:03.2". */
export function formatDuration(seconds: number, tenths = false): string {
  const safe = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  const whole = tenths ? Math.floor(safe * 10) / 10 : Math.round(safe);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  const secText = tenths ? secs.toFixed(1).padStart(4, '0') : String(Math.floor(secs)).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secText}` : `${minutes}:${secText}`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 -> "1.5 KB" (powers of 1024, as file managers show). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** 120 -> "120.0"; no tempo (0, NaN) -> "—". */
export function formatBpm(bpm: number): string {
  return bpm > 0 ? bpm.toFixed(1) : '—';
}

/** A tempo range as DJs write it: "118–126 BPM"; one tempo when both ends round alike. */
export function formatBpmRange(minBpm: number, maxBpm: number): string {
  const [low, high] = [Math.round(minBpm), Math.round(maxBpm)];
  return low === high ? `${formatBpm(minBpm)} BPM` : `${low}–${high} BPM`;
}

/** -14.23 -> "−14.2" (a real minus sign, which screen readers say); -Infinity -> "−∞". */
export function formatLevel(value: number): string {
  if (value === Number.NEGATIVE_INFINITY) return '−∞';
  if (!Number.isFinite(value)) return '—';
  const text = Math.abs(value).toFixed(1);
  return value < 0 && text !== '0.0' ? `−${text}` : text;
}

/** "A minor · 8A" */
export function formatKey(name: string, camelot: string): string {
  return `${name} · ${camelot}`;
}
