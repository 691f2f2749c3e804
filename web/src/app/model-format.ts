// How download figures read on the model settings page: speed and time left.
import { formatBytes } from './format.ts';

/** 2_200_000 -> "2.1 MB/s"; nothing measured yet -> "—". */
export function formatRate(bytesPerSec: number): string {
  return bytesPerSec > 0 && Number.isFinite(bytesPerSec) ? `${formatBytes(bytesPerSec)}/s` : '—';
}

/** 42 -> "42 s left"; 125 -> "2 min 5 s left"; 7300 -> "2 h 1 min left"; unknown -> "". */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s left`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s left`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min left`;
}
