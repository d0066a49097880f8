/** @fileoverview Schedules given as durations: a number and a unit, repeated and added ('30s', '1h30m', '2d'). */

const UNIT_SECONDS: i64[] = [1, 60, 3600, 86400, 604800];
const UNITS = "smhdw";

/** Seconds of a duration like '30s', '1h30m', '2d'; -1 when `text` is not one. */
export function durationSeconds(text: string): i64 {
  if (text.length == 0) return -1;
  let total: i64 = 0;
  let digits: i64 = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits = (digits < 0 ? 0 : digits) * 10 + (c - 48);
      if (digits > 1000000000) return -1;
      continue;
    }
    const unit = UNITS.indexOf(text.charAt(i).toLowerCase());
    if (unit < 0 || digits < 0) return -1;
    total += digits * UNIT_SECONDS[unit];
    digits = -1;
  }
  return digits >= 0 ? -1 : total;
}
