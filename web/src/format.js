// format.js - small display helpers.

/** Seconds -> "m:ss" (or "h:mm:ss"); null/NaN -> "–:––". */
export function clock(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return '–:––';
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Server ms timestamp -> "14:05" in the local time zone. */
export function timeOfDay(ms) {
  if (!Number.isFinite(ms)) return '';
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** The message of an SDK error or server error reply, for showing to people. */
export function errorText(err) {
  if (!err) return 'Something went wrong';
  if (typeof err === 'string') return err;
  return err.message || err.code || String(err);
}

/** "1 listener" / "3 listeners". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
