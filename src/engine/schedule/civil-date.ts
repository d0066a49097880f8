/**
 * @fileoverview Proleptic Gregorian calendar arithmetic in UTC, without a Date: days since
 * 1970-01-01 to and from (year, month, day), after Howard Hinnant's `days_from_civil` and
 * `civil_from_days`. Month is 1..12, day 1..31, weekday 0..6 with Sunday 0 (as cron counts).
 */

/** Milliseconds in a day. */
export const MS_PER_DAY: i64 = 86400000;

/** A calendar date. */
export class CivilDate {
  constructor(public year: i64, public month: i32, public day: i32) {}
}

/** `a` divided by `b`, rounded towards minus infinity (`b` > 0). */
export function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return q * b > a ? q - 1 : q;
}

/** Days from 1970-01-01 to the given date (negative before it). */
export function daysFromCivil(year: i64, month: i32, day: i32): i64 {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = <i64>((153 * ((month + 9) % 12) + 2) / 5 + day - 1); // counted from March 1st
  const dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The date `days` days after 1970-01-01. */
export function civilFromDays(days: i64): CivilDate {
  const z = days + 719468;
  const era = floorDiv(z, 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const marchMonth = <i32>((5 * dayOfYear + 2) / 153);
  const day = <i32>(dayOfYear - (153 * marchMonth + 2) / 5 + 1);
  const month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9;
  return new CivilDate(yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day);
}

/** The weekday of the day `days` days after 1970-01-01 (a Thursday), Sunday = 0. */
export function weekday(days: i64): i32 {
  return <i32>(days - floorDiv(days + 4, 7) * 7 + 4);
}

/** True for a Gregorian leap year. */
export function isLeapYear(year: i64): bool {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

const MONTH_DAYS: i32[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number of days in `month` of `year`. */
export function daysInMonth(year: i64, month: i32): i32 {
  return month == 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
}
