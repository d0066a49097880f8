/**
 * @fileoverview Cron expressions (src/engine/schedule/cron.ts), observed through `schedule`
 * requests: a stream table refreshed at instant t and asked about at t is next due at the first
 * fire time after t, and an expression the parser refuses comes back in `invalid` with its
 * reason. Hand-worked cases for every rule, then random expressions and instants against a
 * brute-force reference built on JavaScript's Date (the oracle).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import { Random } from "../../setup/random.ts";
import { loadEngine, scheduledStreamTable, scheduleRequest } from "../engine-fixture.ts";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

/** The engine's first fire time of `cron` strictly after `afterMs`, or -1 for none (fire times are whole seconds). */
function nextFire(cron: string, afterMs: number): number {
  const { result } = engine.callJson(scheduleRequest(afterMs, [scheduledStreamTable("1", cron, afterMs)]));
  expect(result.invalid).toEqual([]);
  return result.nextDueInMs < 0 ? -1 : afterMs + result.nextDueInMs;
}

/** The next `count` fire times of `cron` after `from`, as ISO instants. */
function fires(cron: string, from: string, count: number): string[] {
  const out: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < count; i++) {
    at = nextFire(cron, at);
    if (at === -1) break;
    out.push(new Date(at).toISOString().replace(".000Z", "Z"));
  }
  return out;
}

/** Why the engine refuses `cron` (the parser's reason), or null when it accepts it. */
function refusal(cron: string): string | null {
  const { invalid } = engine.callJson(scheduleRequest(0, [scheduledStreamTable("1", cron, 0)])).result;
  if (invalid.length === 0) return null;
  const prefix = `invalid schedule "${cron.trim()}": `;
  expect(invalid[0].reason.startsWith(prefix)).toBe(true);
  return invalid[0].reason.slice(prefix.length);
}

describe("cron fields", () => {
  it("5 fields fire at second 0; */step counts from the field's minimum", () => {
    expect(fires("*/20 * * * *", "2024-01-15T10:07:30Z", 4))
      .toEqual(["2024-01-15T10:20:00Z", "2024-01-15T10:40:00Z", "2024-01-15T11:00:00Z", "2024-01-15T11:20:00Z"]);
  });

  it("6 fields put seconds first", () => {
    expect(fires("*/15 * * * * *", "2024-01-15T10:00:07Z", 4))
      .toEqual(["2024-01-15T10:00:15Z", "2024-01-15T10:00:30Z", "2024-01-15T10:00:45Z", "2024-01-15T10:01:00Z"]);
    expect(fires("30 0 12 * * *", "2024-01-15T12:00:30Z", 2)).toEqual(["2024-01-16T12:00:30Z", "2024-01-17T12:00:30Z"]);
  });

  it("v/step runs from v to the field's maximum, v-w/step within the range", () => {
    expect(fires("5/20 * * * *", "2024-01-15T10:00:00Z", 4))
      .toEqual(["2024-01-15T10:05:00Z", "2024-01-15T10:25:00Z", "2024-01-15T10:45:00Z", "2024-01-15T11:05:00Z"]);
    expect(fires("0 9-17/4 * * *", "2024-01-15T09:30:00Z", 3))
      .toEqual(["2024-01-15T13:00:00Z", "2024-01-15T17:00:00Z", "2024-01-16T09:00:00Z"]);
  });

  it("lists mix values, ranges and steps", () => {
    expect(fires("0 0 1,15-16,28/2 * *", "2024-01-01T00:00:00Z", 5))
      .toEqual(["2024-01-15T00:00:00Z", "2024-01-16T00:00:00Z", "2024-01-28T00:00:00Z", "2024-01-30T00:00:00Z", "2024-02-01T00:00:00Z"]);
  });

  it("months and weekdays may be named, in any case", () => {
    expect(fires("0 0 1 jan,JUL *", "2024-01-01T00:00:00Z", 3)).toEqual(["2024-07-01T00:00:00Z", "2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z"]);
    // 2024-01-19 is a Friday.
    expect(fires("0 8 * * MON-fri", "2024-01-19T09:00:00Z", 2)).toEqual(["2024-01-22T08:00:00Z", "2024-01-23T08:00:00Z"]);
    expect(fires("0 0 1 feb-apr/2 *", "2024-01-01T00:00:00Z", 2)).toEqual(["2024-02-01T00:00:00Z", "2024-04-01T00:00:00Z"]);
  });

  it("weekday 7 is Sunday, alone and ending a range", () => {
    const sundays = fires("0 0 * * 0", "2024-01-15T00:00:00Z", 3);
    expect(sundays).toEqual(["2024-01-21T00:00:00Z", "2024-01-28T00:00:00Z", "2024-02-04T00:00:00Z"]);
    expect(fires("0 0 * * 7", "2024-01-15T00:00:00Z", 3)).toEqual(sundays);
    expect(fires("0 0 * * sun", "2024-01-15T00:00:00Z", 3)).toEqual(sundays);
    expect(fires("0 0 * * 5-7", "2024-01-15T00:00:00Z", 4))
      .toEqual(["2024-01-19T00:00:00Z", "2024-01-20T00:00:00Z", "2024-01-21T00:00:00Z", "2024-01-26T00:00:00Z"]);
  });

  it("fields may be separated by several spaces or tabs", () => {
    expect(fires("  */30\t*  * * *  ", "2024-01-15T10:07:00Z", 1)).toEqual(["2024-01-15T10:30:00Z"]);
  });
});

describe("cron macros", () => {
  it.each([
    ["@yearly", ["2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]],
    ["@annually", ["2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]],
    ["@monthly", ["2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"]],
    // 2024-01-15 is a Monday: midnight at the start of each Sunday.
    ["@weekly", ["2024-01-21T00:00:00Z", "2024-01-28T00:00:00Z"]],
    ["@WEEKLY", ["2024-01-21T00:00:00Z", "2024-01-28T00:00:00Z"]],
    ["@daily", ["2024-01-16T00:00:00Z", "2024-01-17T00:00:00Z"]],
    ["@midnight", ["2024-01-16T00:00:00Z", "2024-01-17T00:00:00Z"]],
    ["@hourly", ["2024-01-15T11:00:00Z", "2024-01-15T12:00:00Z"]],
  ])("%s", (macro, expected) => {
    expect(fires(macro, "2024-01-15T10:07:00Z", 2)).toEqual(expected);
  });
});

describe("the day rule of Vixie cron", () => {
  it("both day fields restricted: a day matching either fires", () => {
    // The 13th, or any Friday: 2024-10-11 is a Friday, the 13th a Sunday.
    expect(fires("0 0 13 * 5", "2024-10-09T00:00:00Z", 3)).toEqual(["2024-10-11T00:00:00Z", "2024-10-13T00:00:00Z", "2024-10-18T00:00:00Z"]);
    // An impossible day of month still fires on the weekday: Mondays of February.
    expect(fires("0 0 30 2 mon", "2025-01-01T00:00:00Z", 2)).toEqual(["2025-02-03T00:00:00Z", "2025-02-10T00:00:00Z"]);
  });

  it("a day field starting with * is not restricted: a day must match both", () => {
    expect(fires("0 0 13 * *", "2024-10-09T00:00:00Z", 2)).toEqual(["2024-10-13T00:00:00Z", "2024-11-13T00:00:00Z"]);
    expect(fires("0 0 * * 5", "2024-10-09T00:00:00Z", 2)).toEqual(["2024-10-11T00:00:00Z", "2024-10-18T00:00:00Z"]);
    // Days 1, 11, 21, 31 that are Fridays: none in January or February 2024; 2024-03-01 is one.
    expect(fires("0 0 */10 * fri", "2024-01-01T00:00:00Z", 1)).toEqual(["2024-03-01T00:00:00Z"]);
  });
});

describe("the next fire time", () => {
  it("is strictly after the instant", () => {
    const at = Date.parse("2024-01-15T10:05:00Z");
    expect(nextFire("*/5 * * * *", at)).toBe(Date.parse("2024-01-15T10:10:00Z"));
    expect(nextFire("*/5 * * * *", at - 1)).toBe(at);
    expect(nextFire("* * * * * *", at)).toBe(at + 1000);
    expect(nextFire("* * * * * *", at + 999)).toBe(at + 1000);
  });

  it("works before 1970", () => {
    expect(nextFire("* * * * * *", Date.parse("1969-12-31T23:59:59.500Z"))).toBe(0);
    expect(fires("0 0 29 2 *", "1896-03-01T00:00:00Z", 1)).toEqual(["1904-02-29T00:00:00Z"]);
  });

  it("finds February 29th, also across a century that is not a leap year", () => {
    expect(fires("0 0 29 2 *", "2024-03-01T00:00:00Z", 2)).toEqual(["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]);
    expect(fires("0 0 29 2 *", "2097-01-01T00:00:00Z", 1)).toEqual(["2104-02-29T00:00:00Z"]);
    expect(fires("0 0 29 2 *", "2399-01-01T00:00:00Z", 1)).toEqual(["2400-02-29T00:00:00Z"]);
  });

  it("finds a rare day: February 29th that is a Sunday, 40 years apart around 2100", () => {
    expect(fires("0 0 29 2 */7", "2089-01-01T00:00:00Z", 1)).toEqual(["2128-02-29T00:00:00Z"]);
  });

  it.each(["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 apr *", "* * 30-31 feb *", "0 0 31 2 */7"])("is -1 for the impossible %j", (cron) => {
    expect(nextFire(cron, Date.parse("2024-01-15T10:00:00Z"))).toBe(-1);
  });
});

describe("cron parse errors", () => {
  it.each([
    ["* * * *", "expected 5 or 6 fields, found 4"],
    ["* * * * * * *", "expected 5 or 6 fields, found 7"],
    ["@every", 'unknown cron macro "@every"'],
    ["@reboot", 'unknown cron macro "@reboot"'],
    ["60 * * * *", "minute value 60 is out of range 0-59"],
    ["99999999999 * * * *", "minute value 99999999999 is out of range 0-59"],
    ["* 24 * * *", "hour value 24 is out of range 0-23"],
    ["* * 0 * *", "day-of-month value 0 is out of range 1-31"],
    ["* * 32 * *", "day-of-month value 32 is out of range 1-31"],
    ["* * * 0 *", "month value 0 is out of range 1-12"],
    ["* * * 13 *", "month value 13 is out of range 1-12"],
    ["* * * * 8", "day-of-week value 8 is out of range 0-7"],
    ["60 * * * * *", "second value 60 is out of range 0-59"],
    ["0 60 * * * *", "minute value 60 is out of range 0-59"],
    ["jan * * * *", 'invalid minute value "jan"'],
    ["* * * mon *", 'invalid month value "mon"'],
    ["* * * * jan", 'invalid day-of-week value "jan"'],
    ["* * * * monday", 'invalid day-of-week value "monday"'],
    ["? * * * *", 'invalid minute value "?"'],
    ["* * L * *", 'invalid day-of-month value "L"'],
    ["*-5 * * * *", 'invalid minute value "*"'],
    ["1- * * * *", 'invalid minute value ""'],
    ["*/0 * * * *", 'invalid minute step "0"'],
    ["*/x * * * *", 'invalid minute step "x"'],
    ["* */ * * *", 'invalid hour step ""'],
    ["30-10 * * * *", "minute range 30-10 starts after it ends"],
    ["* * * * fri-mon", "day-of-week range fri-mon starts after it ends"],
    ["1,,2 * * * *", 'empty list item in minute field "1,,2"'],
    ["* * * 1, *", 'empty list item in month field "1,"'],
  ])("%j: %s", (cron, reason) => {
    expect(refusal(cron)).toBe(reason);
  });

  it("the first problem is the one reported", () => {
    expect(refusal("60 24 * * *")).toBe("minute value 60 is out of range 0-59");
  });

  it.each(["0 0 29 2 *", "0 0 30 2 *", "0-59/59 0-23 1-31 1-12 0-7", "0 */100 * * *", "07 07 07 07 07"])("%j is accepted", (cron) => {
    expect(refusal(cron)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// The oracle: random expressions whose matching sets the generator knows, checked against a
// brute-force search over days (calendar from Date's UTC methods) and then seconds of the day.

interface FieldRange { name: string; min: number; max: number; names?: string[]; firstNamed?: number }

const SECOND: FieldRange = { name: "second", min: 0, max: 59 };
const MINUTE: FieldRange = { name: "minute", min: 0, max: 59 };
const HOUR: FieldRange = { name: "hour", min: 0, max: 23 };
const DAY_OF_MONTH: FieldRange = { name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldRange = { name: "month", min: 1, max: 12, firstNamed: 1,
  names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] };
const DAY_OF_WEEK: FieldRange = { name: "day-of-week", min: 0, max: 7, firstNamed: 0, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] };

/** What an expression matches: a set per field (weekday 7 already folded into 0) and the day rule. */
interface CronSets {
  text: string;
  seconds: Set<number>; minutes: Set<number>; hours: Set<number>;
  daysOfMonth: Set<number>; months: Set<number>; daysOfWeek: Set<number>;
  eitherDay: boolean;
}

const range = (low: number, high: number, step = 1): number[] => {
  const out: number[] = [];
  for (let v = low; v <= high; v += step) out.push(v);
  return out;
};

/** One random list item of `field`: its text and the values it matches (weekday 7 not yet folded). */
function randomItem(r: Random, field: FieldRange): { text: string; matched: number[] } {
  // Days of month near the end of a month make rare and impossible expressions likelier.
  const value = (): number => (field === DAY_OF_MONTH && r.chance(0.4) ? r.int(28, 31) : r.int(field.min, field.max));
  const write = (v: number): string => {
    const name = field.names?.[v - field.firstNamed!];
    if (name === undefined || !r.chance(0.3)) return r.chance(0.1) ? `0${v}` : String(v);
    return r.chance(0.5) ? name.toUpperCase() : name;
  };
  const step = r.chance(0.5) ? r.int(1, 4) : r.int(1, field.max);
  switch (r.int(0, 5)) {
    case 0: return { text: "*", matched: range(field.min, field.max) };
    case 1: return { text: `*/${step}`, matched: range(field.min, field.max, step) };
    case 2: { const v = value(); return { text: write(v), matched: [v] }; }
    case 3: { const v = value(); return { text: `${write(v)}/${step}`, matched: range(v, field.max, step) }; }
    default: {
      const low = value();
      const high = Math.min(field.max, low + r.int(0, 10));
      const stepped = r.chance(0.5);
      return { text: `${write(low)}-${write(high)}${stepped ? `/${step}` : ""}`, matched: range(low, high, stepped ? step : 1) };
    }
  }
}

/** One random field: a list of one to three items, and the values it matches. */
function randomField(r: Random, field: FieldRange): { text: string; values: Set<number> } {
  const items = Array.from({ length: r.chance(0.7) ? 1 : r.int(2, 3) }, () => randomItem(r, field));
  const values = new Set(items.flatMap((item) => item.matched).map((v) => (field === DAY_OF_WEEK && v === 7 ? 0 : v)));
  return { text: items.map((item) => item.text).join(","), values };
}

/** A field from a fixed list of choices: its text and the values it matches. */
const choice = (text: string, values: number[]) => ({ text, values: new Set(values) });

/** Day, month and weekday fields that make an expression rare (once in years) or impossible. */
const RARE_DAYS = [choice("29", [29]), choice("30", [30]), choice("31", [31]), choice("30-31", [30, 31]), choice("29,31", [29, 31])];
const RARE_MONTHS = [choice("2", [2]), choice("feb", [2]), choice("4,6", [4, 6]), choice("apr-jun/2", [4, 6]), choice("2,4,6,9,11", [2, 4, 6, 9, 11]),
  choice("*", range(1, 12))];
const STAR_WEEKDAYS = [choice("*", range(0, 6)), choice("*/7", [0]), choice("*/2", [0, 2, 4, 6]), choice("*/3", [0, 3, 6])];

/** The sets of a macro, written out. */
function macroSets(text: string, minutes: number[], hours: number[], daysOfMonth: number[], months: number[], daysOfWeek: number[]): CronSets {
  return {
    text, seconds: new Set([0]), minutes: new Set(minutes), hours: new Set(hours), daysOfMonth: new Set(daysOfMonth),
    months: new Set(months), daysOfWeek: new Set(daysOfWeek), eitherDay: false,
  };
}

const MACROS: CronSets[] = [
  macroSets("@yearly", [0], [0], [1], [1], range(0, 6)),
  macroSets("@monthly", [0], [0], [1], range(1, 12), range(0, 6)),
  macroSets("@weekly", [0], [0], range(1, 31), range(1, 12), [0]),
  macroSets("@daily", [0], [0], range(1, 31), range(1, 12), range(0, 6)),
  macroSets("@hourly", [0], range(0, 23), range(1, 31), range(1, 12), range(0, 6)),
];

/** A random expression (5 or 6 fields, sometimes a macro, sometimes rare days) with its sets. */
function randomCron(r: Random): CronSets {
  if (r.chance(0.05)) return r.pick(MACROS);
  const rare = r.chance(0.15);
  const withSeconds = r.chance(0.4);
  const seconds = withSeconds ? randomField(r, SECOND) : { text: "", values: new Set([0]) };
  const minutes = randomField(r, MINUTE);
  const hours = randomField(r, HOUR);
  const daysOfMonth = rare ? r.pick(RARE_DAYS) : randomField(r, DAY_OF_MONTH);
  const months = rare ? r.pick(RARE_MONTHS) : randomField(r, MONTH);
  const daysOfWeek = rare ? r.pick(STAR_WEEKDAYS) : randomField(r, DAY_OF_WEEK);
  const fields = [minutes, hours, daysOfMonth, months, daysOfWeek].map((f) => f.text);
  return {
    text: (withSeconds ? [seconds.text, ...fields] : fields).join(" "),
    seconds: seconds.values, minutes: minutes.values, hours: hours.values,
    daysOfMonth: daysOfMonth.values, months: months.values, daysOfWeek: daysOfWeek.values,
    eitherDay: !daysOfMonth.text.startsWith("*") && !daysOfWeek.text.startsWith("*"),
  };
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
/** Days in 400 Gregorian years: the calendar (weekdays included) repeats after them. */
const CYCLE_DAYS = 146_097;

/** Brute force: the first whole second after `afterMs` that `cron` matches, or -1 within a full calendar cycle. */
function referenceNextFire(cron: CronSets, afterMs: number): number {
  const start = Math.floor(afterMs / 1000) + 1;
  const startDay = Math.floor(start / 86400);
  for (let day = startDay; day <= startDay + CYCLE_DAYS + 1; day++) {
    const date = new Date(day * DAY_MS);
    if (!cron.months.has(date.getUTCMonth() + 1)) continue;
    const inMonth = cron.daysOfMonth.has(date.getUTCDate());
    const inWeek = cron.daysOfWeek.has(date.getUTCDay());
    if (cron.eitherDay ? !(inMonth || inWeek) : !(inMonth && inWeek)) continue;
    for (let second = day === startDay ? start - day * 86400 : 0; second < 86400; second++) {
      if (cron.hours.has(Math.floor(second / 3600)) && cron.minutes.has(Math.floor(second / 60) % 60) && cron.seconds.has(second % 60)) {
        return (day * 86400 + second) * 1000;
      }
    }
  }
  return -1;
}

describe("the next fire time against the brute-force reference", () => {
  const seed = Number(process.env.PGTRICKLE_SEED ?? 20240229);
  const expressions = Number(process.env.PGTRICKLE_CRON_CASES ?? 300);

  it(`agrees on ${expressions} random expressions, each at random instants and at its own fire times (seed ${seed})`, () => {
    const r = new Random(seed);
    let impossible = 0;
    for (let i = 0; i < expressions; i++) {
      const cron = randomCron(r);
      expect(refusal(cron.text), `seed ${seed}: ${cron.text}`).toBeNull();
      for (let k = 0; k < 3; k++) {
        // Some instants near a century, to cross years that are or are not leap years.
        const century = Date.UTC(r.pick([1900, 2000, 2100, 2200]), 0, 1);
        let at = r.chance(0.3) ? century + r.int(-5 * YEAR_MS, 5 * YEAR_MS) : r.int(Date.UTC(1890, 0, 1), Date.UTC(2300, 0, 1));
        if (r.chance(0.3)) at -= at % 60_000;
        // Then from the fire time found, twice: the next fire time is strictly after it.
        for (let step = 0; step < 3 && at !== -1; step++) {
          const expected = referenceNextFire(cron, at);
          expect(nextFire(cron.text, at), `seed ${seed}: ${cron.text} after ${new Date(at).toISOString()}`).toBe(expected);
          if (expected === -1) impossible++;
          at = expected;
        }
      }
    }
    // The generator should reach impossible expressions now and then, or the -1 path goes untested.
    expect(impossible).toBeGreaterThan(0);
  });
});
