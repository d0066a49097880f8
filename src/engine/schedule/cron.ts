/**
 * @fileoverview Cron expressions, in UTC: parsing into bit sets and the next fire time.
 *
 * Five fields (`minute hour day-of-month month day-of-week`, firing at second 0) or six (a
 * `second` field first). A field is a comma list of `*`, `v` or `v-w`, each optionally `/step`;
 * `v/step` runs from `v` to the field's maximum. Months may be named `jan`..`dec` and weekdays
 * `sun`..`sat` (case-insensitive); weekday 7 is Sunday too. The macros `@yearly`, `@annually`,
 * `@monthly`, `@weekly`, `@daily`, `@midnight` and `@hourly` stand for their usual expressions.
 *
 * Days follow Vixie cron: when both day fields are restricted (neither starts with `*`), a day
 * matches if either field does; otherwise it must match both.
 */

import { civilFromDays, daysFromCivil, daysInMonth, floorDiv, weekday } from "./civil-date";

/** A parsed cron expression: the values each field matches, as bit sets (bit v set: v matches). */
export class CronSchedule {
  seconds: u64 = 0;     // 0..59
  minutes: u64 = 0;     // 0..59
  hours: u64 = 0;       // 0..23
  daysOfMonth: u64 = 0; // 1..31
  months: u64 = 0;      // 1..12
  daysOfWeek: u64 = 0;  // 0..6, Sunday 0
  /** Both day fields are restricted, so a day matching either of them matches. */
  eitherDay: bool = false;
}

/** The outcome of parsing: a schedule, or the reason there is none (a phrase for an error DETAIL). */
export class CronParse {
  schedule: CronSchedule | null = null;
  reason: string = "";
}

/** One field's name for messages, its range, and the names its values may have (from `firstNamed` up). */
class CronField {
  constructor(public name: string, public min: i32, public max: i32, public names: string[] = [], public firstNamed: i32 = 0) {}
}

const SECOND = new CronField("second", 0, 59);
const MINUTE = new CronField("minute", 0, 59);
const HOUR = new CronField("hour", 0, 23);
const DAY_OF_MONTH = new CronField("day-of-month", 1, 31);
const MONTH = new CronField("month", 1, 12,
  ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1);
const DAY_OF_WEEK = new CronField("day-of-week", 0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], 0);

const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const MACRO_EXPRESSIONS = ["0 0 1 1 *", "0 0 1 1 *", "0 0 1 * *", "0 0 * * 0", "0 0 * * *", "0 0 * * *", "0 * * * *"];

/** The whitespace-separated fields of `text`. */
function splitFields(text: string): string[] {
  return text.replaceAll("\t", " ").split(" ").filter((field: string): bool => field.length > 0);
}

/** True when `text` is meant as cron (a macro, or 5 or 6 fields), so its parse failure is worth reporting. */
export function looksLikeCron(text: string): bool {
  const trimmed = text.trim();
  const fields = splitFields(trimmed).length;
  return trimmed.startsWith("@") || fields == 5 || fields == 6;
}

/** Parses `text` as a cron expression or macro. */
export function parseCron(text: string): CronParse {
  const result = new CronParse();
  let expression = text.trim();
  if (expression.startsWith("@")) {
    const macro = MACROS.indexOf(expression.toLowerCase());
    if (macro < 0) {
      result.reason = "unknown cron macro \"" + expression + "\"";
      return result;
    }
    expression = MACRO_EXPRESSIONS[macro];
  }
  const fields = splitFields(expression);
  if (fields.length != 5 && fields.length != 6) {
    result.reason = "expected 5 or 6 fields, found " + fields.length.toString();
    return result;
  }
  const first = fields.length - 5;
  const parser = new FieldParser();
  const cron = new CronSchedule();
  cron.seconds = first == 1 ? parser.field(fields[0], SECOND) : 1;
  cron.minutes = parser.field(fields[first], MINUTE);
  cron.hours = parser.field(fields[first + 1], HOUR);
  cron.daysOfMonth = parser.field(fields[first + 2], DAY_OF_MONTH);
  cron.months = parser.field(fields[first + 3], MONTH);
  cron.daysOfWeek = parser.field(fields[first + 4], DAY_OF_WEEK);
  if (cron.daysOfWeek & (<u64>1 << 7)) cron.daysOfWeek = (cron.daysOfWeek & ~(<u64>1 << 7)) | 1; // 7 is Sunday too
  cron.eitherDay = !fields[first + 2].startsWith("*") && !fields[first + 4].startsWith("*");
  if (parser.reason.length > 0) result.reason = parser.reason;
  else result.schedule = cron;
  return result;
}

/** Reads fields into bit sets, keeping the first problem it meets as `reason`. */
class FieldParser {
  reason: string = "";

  private fail(reason: string): void {
    if (this.reason.length == 0) this.reason = reason;
  }

  /** The bit set of a comma list; 0 after a problem. */
  field(text: string, field: CronField): u64 {
    const items = text.split(",");
    let mask: u64 = 0;
    for (let i = 0; i < items.length; i++) {
      if (items[i].length == 0) {
        this.fail("empty list item in " + field.name + " field \"" + text + "\"");
        return 0;
      }
      const item = this.item(items[i], field);
      if (item == 0) return 0;
      mask |= item;
    }
    return mask;
  }

  /** The bit set of `*`, `v` or `v-w`, with an optional `/step`; 0 after a problem. */
  private item(text: string, field: CronField): u64 {
    const slash = text.indexOf("/");
    const range = slash >= 0 ? text.substring(0, slash) : text;
    let step = 1;
    if (slash >= 0) {
      step = this.number(text.substring(slash + 1));
      if (step < 1) {
        this.fail("invalid " + field.name + " step \"" + text.substring(slash + 1) + "\"");
        return 0;
      }
    }
    let low = field.min;
    let high = field.max;
    if (range != "*") {
      const dash = range.indexOf("-");
      low = this.value(dash >= 0 ? range.substring(0, dash) : range, field);
      if (low < 0) return 0;
      if (dash >= 0) {
        high = this.value(range.substring(dash + 1), field);
        if (high < 0) return 0;
        if (high < low) {
          this.fail(field.name + " range " + range + " starts after it ends");
          return 0;
        }
      } else if (slash < 0) {
        high = low;
      }
    }
    let mask: u64 = 0;
    for (let v = low; v <= high; v += step) mask |= <u64>1 << v;
    return mask;
  }

  /** A number or name within the field's range; -1 after a problem. */
  private value(text: string, field: CronField): i32 {
    const named = field.names.indexOf(text.toLowerCase());
    if (named >= 0) return named + field.firstNamed;
    const value = this.number(text);
    if (value < 0) {
      this.fail("invalid " + field.name + " value \"" + text + "\"");
    } else if (value < field.min || value > field.max) {
      this.fail(field.name + " value " + text + " is out of range " + field.min.toString() + "-" + field.max.toString());
      return -1;
    }
    return value;
  }

  /** The value of a string of digits (saturating at 1000000), or -1 when it is not one. */
  private number(text: string): i32 {
    if (text.length == 0) return -1;
    let value = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      value = min(value * 10 + (c - 48), 1000000);
    }
    return value;
  }
}

/** The smallest member of `mask` that is at least `from`, or -1 when there is none. */
function nextMember(mask: u64, from: i32): i32 {
  if (from > 63) return -1;
  const rest = mask & (~(<u64>0) << <u64>from);
  return rest == 0 ? -1 : <i32>ctz(rest);
}

/** True when the day matches the expression's day-of-month and day-of-week fields. */
function dayMatches(cron: CronSchedule, year: i64, month: i32, day: i32): bool {
  const inMonth = (cron.daysOfMonth >> <u64>day) & 1;
  const inWeek = (cron.daysOfWeek >> <u64>weekday(daysFromCivil(year, month, day))) & 1;
  return cron.eitherDay ? (inMonth | inWeek) != 0 : (inMonth & inWeek) != 0;
}

/** What nextFireAfter returns when there is no fire time; never one itself, fire times being whole seconds. */
export const NO_FIRE: i64 = -1;

/** The instants handled are JavaScript's Date range: ±8.64e15 ms, about 275,000 years. */
const MAX_EPOCH_MS: i64 = 8640000000000000;

/**
 * The Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks), so an
 * expression that does not fire within 400 years never fires.
 */
const SEARCH_YEARS: i64 = 400;

/** A position in the calendar; moving a field to a later value resets the smaller fields. */
class Cursor {
  year: i64 = 0;
  month: i32 = 1;
  day: i32 = 1;
  hour: i32 = 0;
  minute: i32 = 0;
  second: i32 = 0;

  toYear(year: i64): void { this.year = year; this.toMonth(1); }
  toMonth(month: i32): void { this.month = month; this.toDay(1); }
  toDay(day: i32): void { this.day = day; this.toHour(0); }
  toHour(hour: i32): void { this.hour = hour; this.toMinute(0); }
  toMinute(minute: i32): void { this.minute = minute; this.second = 0; }
}

/**
 * The first fire time of `cron` strictly after `epochMs` (milliseconds since 1970-01-01 UTC), or
 * NO_FIRE (-1) when there is none (an impossible expression such as `0 0 30 2 *`, or an instant outside
 * JavaScript's Date range). Jumps from one matching month, day, hour and minute to the next, so a
 * call costs at most a few steps per day searched.
 */
export function nextFireAfter(cron: CronSchedule, epochMs: i64): i64 {
  if (epochMs < -MAX_EPOCH_MS || epochMs > MAX_EPOCH_MS) return NO_FIRE;
  const start = floorDiv(epochMs, 1000) + 1;
  const startDay = floorDiv(start, 86400);
  const secondOfDay = <i32>(start - startDay * 86400);
  const date = civilFromDays(startDay);
  const at = new Cursor();
  at.year = date.year;
  at.month = date.month;
  at.day = date.day;
  at.hour = secondOfDay / 3600;
  at.minute = secondOfDay / 60 % 60;
  at.second = secondOfDay % 60;
  const lastYear = at.year + SEARCH_YEARS;
  while (at.year <= lastYear) {
    const month = nextMember(cron.months, at.month);
    if (month < 0) { at.toYear(at.year + 1); continue; }
    if (month != at.month) at.toMonth(month);
    if (at.day > daysInMonth(at.year, at.month)) { at.toMonth(at.month + 1); continue; }
    if (!dayMatches(cron, at.year, at.month, at.day)) { at.toDay(at.day + 1); continue; }
    const hour = nextMember(cron.hours, at.hour);
    if (hour < 0) { at.toDay(at.day + 1); continue; }
    if (hour != at.hour) at.toHour(hour);
    const minute = nextMember(cron.minutes, at.minute);
    if (minute < 0) { at.toHour(at.hour + 1); continue; }
    if (minute != at.minute) at.toMinute(minute);
    const second = nextMember(cron.seconds, at.second);
    if (second < 0) { at.toMinute(at.minute + 1); continue; }
    const seconds = daysFromCivil(at.year, at.month, at.day) * 86400 + at.hour * 3600 + at.minute * 60 + second;
    return seconds * 1000;
  }
  return NO_FIRE;
}
