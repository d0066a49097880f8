/**
 * @fileoverview `schedule` (src/engine/schedule/due.ts): which stream tables are due at a tick,
 * in dependency order, when the next one will be, the effective periods (calculated ones derived
 * from their consumers), and what is skipped or reported as invalid instead of failing the tick.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import { loadEngine, type ScheduledStreamTable, scheduledStreamTable as st, scheduleRequest } from "../engine-fixture.ts";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

/** A Monday, 10:00:00 UTC. */
const NOW = Date.parse("2024-01-15T10:00:00Z");
const SECOND = 1000;
const MINUTE = 60 * SECOND;

interface ScheduleResult {
  due: string[];
  batches: { ids: string[] }[];
  groups: { group: number; members: string[]; convergence: string[]; policy: string }[];
  nextDueInMs: number;
  effective: { id: string; seconds: number }[];
  invalid: { id: string; reason: string }[];
}

/** The engine's answer for a tick at `now`. */
function schedule(tables: ScheduledStreamTable[], defaultScheduleSeconds = 60, now = NOW): ScheduleResult {
  const response = engine.callJson(scheduleRequest(now, tables, defaultScheduleSeconds));
  if (!response.ok) throw new Error(`schedule failed: ${JSON.stringify(response.error)}`);
  return response.result;
}

/** The effective periods as an id → seconds map. */
const periods = (result: ScheduleResult): Record<string, number> =>
  Object.fromEntries(result.effective.map(({ id, seconds }) => [id, seconds]));

describe("durations", () => {
  it("are due once the period has passed since the last refresh, to the millisecond", () => {
    expect(schedule([st("1", "30s", NOW - 30 * SECOND)])).toMatchObject({ due: ["1"], nextDueInMs: -1 });
    expect(schedule([st("1", "30s", NOW - 30 * SECOND + 1)])).toMatchObject({ due: [], nextDueInMs: 1 });
    expect(schedule([st("1", "30s", NOW - 31 * SECOND)]).due).toEqual(["1"]);
  });

  it("add up their units (s m h d w)", () => {
    const result = schedule([st("1", "1h30m", NOW - 90 * MINUTE + 5), st("2", "2d", NOW), st("3", "1w1d1h1m1s", NOW)]);
    expect(result.due).toEqual([]);
    expect(result.nextDueInMs).toBe(5);
    expect(periods(result)).toEqual({ 1: 5400, 2: 2 * 86400, 3: 8 * 86400 + 3661 });
  });

  it("wake the scheduler for the earliest of the tables not due", () => {
    const result = schedule([st("1", "1m", NOW - 20 * SECOND), st("2", "10s", NOW - 3 * SECOND), st("3", "5s", NOW - 9 * SECOND)]);
    expect(result.due).toEqual(["3"]);
    expect(result.nextDueInMs).toBe(7 * SECOND);
  });
});

describe("cron schedules", () => {
  it("are due once the expression has fired since the last refresh, at the fire time itself too", () => {
    expect(schedule([st("1", "*/5 * * * *", NOW - 1)]).due).toEqual(["1"]);
    expect(schedule([st("1", "*/5 * * * *", NOW - 4 * MINUTE)]).due).toEqual(["1"]);
    expect(schedule([st("1", "*/5 * * * *", NOW - 6 * MINUTE)]).due).toEqual(["1"]);
  });

  it("are not due until the next fire time after the last refresh, which wakes the scheduler", () => {
    expect(schedule([st("1", "*/5 * * * *", NOW)])).toMatchObject({ due: [], nextDueInMs: 5 * MINUTE });
    expect(schedule([st("1", "0 12 * * *", NOW - 5 * MINUTE)])).toMatchObject({ due: [], nextDueInMs: 120 * MINUTE });
    expect(schedule([st("1", "*/10 * * * * *", NOW + 1)])).toMatchObject({ due: [], nextDueInMs: 10 * SECOND });
  });

  it("report as effective period the gap between the next two fire times after now", () => {
    // From 10:00, the next fire times are 17:00 and then 09:00 the next day.
    expect(periods(schedule([st("1", "0 9,17 * * *", NOW), st("2", "@hourly", NOW), st("3", "*/15 * * * * *", NOW)])))
      .toEqual({ 1: 16 * 3600, 2: 3600, 3: 15 });
  });

  it("that never fire are never due and do not wake the scheduler", () => {
    const result = schedule([st("1", "0 0 30 2 *", NOW - 400 * 86400 * SECOND)]);
    expect(result).toEqual({ due: [], batches: [], groups: [], nextDueInMs: -1, effective: [], invalid: [] });
  });
});

describe("stream tables never refreshed", () => {
  it("are due now, whatever their schedule", () => {
    const result = schedule([
      st("1", "1w", null), st("2", "0 0 30 2 *", null), st("3", null, null),
      st("4", "1w", NOW, { populated: false }), st("5", "1w", null, { populated: true }),
    ]);
    expect(result.due).toEqual(["1", "2", "3", "4", "5"]);
    expect(result.nextDueInMs).toBe(-1);
  });

  it("need nothing but an id: the rest defaults to a calculated, unpopulated, active stream table", () => {
    const response = engine.callJson({ op: "schedule", now: NOW, defaultScheduleSeconds: 60, streamTables: [{ id: "3" }] });
    expect(response.result).toEqual({ due: ["3"], batches: [{ ids: ["3"] }], groups: [], nextDueInMs: -1, effective: [{ id: "3", seconds: 60 }], invalid: [] });
  });
});

describe("stream tables that are skipped", () => {
  it.each([
    ["SUSPENDED", { status: "SUSPENDED" }], ["ERROR", { status: "ERROR" }], ["suspended", { status: "suspended" }],
    ["IMMEDIATE", { refreshMode: "IMMEDIATE" }],
  ])("%s: never due, never wake the scheduler, no effective period", (_what, overrides) => {
    const result = schedule([st("1", "5s", null, overrides), st("2", "5s", NOW - 10 * SECOND, overrides), st("3", null, NOW, overrides)]);
    expect(result).toEqual({ due: [], batches: [], groups: [], nextDueInMs: -1, effective: [], invalid: [] });
  });

  it.each([["INITIALIZING", { status: "INITIALIZING" }], ["FULL", { refreshMode: "FULL" }]])("%s: scheduled as usual", (_what, overrides) => {
    expect(schedule([st("1", "5s", NOW - 10 * SECOND, overrides)]).due).toEqual(["1"]);
  });

  it("do not count as consumers of a calculated stream table", () => {
    const result = schedule([st("1", null, NOW), st("2", "5s", NOW, { upstream: ["1"], status: "SUSPENDED" })], 90);
    expect(periods(result)).toEqual({ 1: 90 });
  });
});

describe("calculated schedules", () => {
  it("without consumers take the default period", () => {
    const result = schedule([st("1", null, NOW - 100 * SECOND), st("2", null, NOW - 20 * SECOND)], 30);
    expect(periods(result)).toEqual({ 1: 30, 2: 30 });
    expect(result.due).toEqual(["1"]);
    expect(result.nextDueInMs).toBe(10 * SECOND);
  });

  it("take the shortest period of their consumers, even one longer than the default", () => {
    const result = schedule([st("1", null, NOW), st("2", "45s", NOW, { upstream: ["1"] }), st("3", "2m", NOW, { upstream: ["1"] })], 10);
    expect(periods(result)).toEqual({ 1: 45, 2: 45, 3: 120 });
  });

  it("pass a period up a chain of calculated stream tables", () => {
    // 1 <- 2 <- 3 <- 4 (every 20 seconds); 2 and 3 are calculated too.
    const tables = [
      st("1", null, NOW - 20 * SECOND), st("2", null, NOW - 19 * SECOND, { upstream: ["1"] }),
      st("3", null, NOW, { upstream: ["2"] }), st("4", "20s", NOW, { upstream: ["3"] }),
    ];
    const result = schedule(tables, 3600);
    expect(periods(result)).toEqual({ 1: 20, 2: 20, 3: 20, 4: 20 });
    expect(result.due).toEqual(["1"]);
    expect(result.nextDueInMs).toBe(SECOND);
  });

  it("take the shortest period over every path of a diamond", () => {
    // 1 is read by 2 and 3, both read by 4; 3 is also read by 5.
    const tables = [
      st("1", null, NOW), st("2", null, NOW, { upstream: ["1"] }), st("3", null, NOW, { upstream: ["1"] }),
      st("4", "5m", NOW, { upstream: ["2", "3"] }), st("5", "40s", NOW, { upstream: ["3"] }),
    ];
    expect(periods(schedule(tables))).toEqual({ 1: 40, 2: 300, 3: 40, 4: 300, 5: 40 });
  });

  it("count a calculated consumer without consumers at the default period", () => {
    const tables = [st("1", null, NOW), st("2", null, NOW, { upstream: ["1"] }), st("3", "2m", NOW, { upstream: ["1"] })];
    expect(periods(schedule(tables, 60))).toEqual({ 1: 60, 2: 60, 3: 120 });
    expect(periods(schedule(tables, 600))).toEqual({ 1: 120, 2: 600, 3: 120 });
  });

  it("take a cron consumer's gap between its next two fire times", () => {
    expect(periods(schedule([st("1", null, NOW), st("2", "*/5 * * * *", NOW, { upstream: ["1"] })], 3600))).toEqual({ 1: 300, 2: 300 });
  });

  it("ignore a consumer that never fires", () => {
    expect(periods(schedule([st("1", null, NOW), st("2", "0 0 30 2 *", NOW, { upstream: ["1"] })], 77))).toEqual({ 1: 77 });
  });

  it("end on a cycle of calculated stream tables: the default, or the shortest period leaving the cycle", () => {
    const cycle = [st("1", null, NOW, { upstream: ["2"] }), st("2", null, NOW, { upstream: ["1"] }), st("3", null, NOW, { upstream: ["3"] })];
    expect(periods(schedule(cycle, 50))).toEqual({ 1: 50, 2: 50, 3: 50 });
    const leaving = [...cycle, st("4", "15s", NOW, { upstream: ["2"] })];
    expect(periods(schedule(leaving, 50))).toEqual({ 1: 15, 2: 15, 3: 50, 4: 15 });
  });
});

describe("the order of due stream tables", () => {
  it("is by numeric id when they are independent", () => {
    expect(schedule([st("10", "5s", null), st("9", "5s", null), st("100", "5s", null), st("11", "5s", null)]).due)
      .toEqual(["9", "10", "11", "100"]);
  });

  it("puts an upstream before its downstreams, whatever the ids", () => {
    const tables = [
      st("1", "5s", null, { upstream: ["30"] }), st("30", "5s", null, { upstream: ["200"] }), st("200", "5s", null),
      st("2", "5s", null, { upstream: ["200", "1"] }), st("5", "5s", null),
    ];
    expect(schedule(tables).due).toEqual(["5", "200", "30", "1", "2"]);
  });

  it("orders a diamond: the source, both branches by id, then the join", () => {
    const tables = [
      st("4", "5s", null, { upstream: ["3", "2"] }), st("3", "5s", null, { upstream: ["9"] }),
      st("2", "5s", null, { upstream: ["9"] }), st("9", "5s", null),
    ];
    expect(schedule(tables).due).toEqual(["9", "2", "3", "4"]);
  });

  it("follows only edges among due stream tables", () => {
    // 3 reads 1, which is not due: 3 need not wait.
    expect(schedule([st("1", "1h", NOW), st("3", "5s", null, { upstream: ["1"] }), st("2", "5s", null)]).due).toEqual(["2", "3"]);
  });

  it("appends stream tables left on a cycle in id order", () => {
    const tables = [
      st("8", "5s", null, { upstream: ["5"] }), st("5", "5s", null, { upstream: ["6"] }), st("6", "5s", null, { upstream: ["5"] }),
      st("7", "5s", null), st("3", "5s", null, { upstream: ["3"] }),
    ];
    expect(schedule(tables).due).toEqual(["7", "3", "5", "6", "8"]);
  });

  it("ignores upstream ids that are not in the request, and repeated ones", () => {
    expect(schedule([st("2", "5s", null, { upstream: ["99", "1", "1"] }), st("1", "5s", null)]).due).toEqual(["1", "2"]);
  });
});

describe("input the engine cannot read", () => {
  it("an invalid schedule is never due and is reported; the others are scheduled as usual", () => {
    const result = schedule([st("1", "61 * * * *", null), st("2", "every minute", null), st("3", "5s", null), st("4", "", null)]);
    expect(result.due).toEqual(["3"]);
    expect(result.invalid).toEqual([
      { id: "1", reason: 'invalid schedule "61 * * * *": minute value 61 is out of range 0-59' },
      { id: "2", reason: 'invalid schedule "every minute": expected 5 or 6 fields, found 2' },
      { id: "4", reason: 'invalid schedule "": expected 5 or 6 fields, found 0' },
    ]);
    expect(result.effective).toEqual([{ id: "3", seconds: 5 }]);
  });

  it("an invalid schedule does not count as a consumer", () => {
    expect(periods(schedule([st("1", null, NOW), st("2", "1x", NOW, { upstream: ["1"] })], 80))).toEqual({ 1: 80 });
  });

  it("a bad or repeated id, or a bad lastRefreshAt, is reported", () => {
    const result = schedule([
      st("", "5s", null), st("abc", "5s", null), st("-1", "5s", null), st("7", "5s", null), st("7", "5s", null),
      st("8", "5s", "yesterday"),
    ]);
    expect(result.due).toEqual(["7"]);
    expect(result.invalid).toEqual([
      { id: "", reason: "id is not a stream table id" }, { id: "abc", reason: "id is not a stream table id" },
      { id: "-1", reason: "id is not a stream table id" }, { id: "7", reason: "id appears more than once" },
      { id: "8", reason: "lastRefreshAt is not a number of milliseconds" },
    ]);
  });

  it("a request without now, defaultScheduleSeconds or streamTables is a protocol error", () => {
    for (const request of [
      { op: "schedule", defaultScheduleSeconds: 60, streamTables: [] },
      { op: "schedule", now: "soon", defaultScheduleSeconds: 60, streamTables: [] },
      { op: "schedule", now: NOW, streamTables: [] },
      { op: "schedule", now: NOW, defaultScheduleSeconds: 60 },
      { op: "schedule", now: NOW, defaultScheduleSeconds: 60, streamTables: {} },
    ]) {
      expect(engine.callJson(request).error).toMatchObject({ code: "InternalProtocol", sqlstate: "XX000", category: "internal" });
    }
  });
});

describe("instants", () => {
  it("may be JSON numbers or numeric strings, with a fraction of a millisecond dropped", () => {
    const tables = [st("1", "10s", `${NOW - 4000}.875`), st("2", "10s", String(NOW - 8000))];
    const response = engine.callJson({ ...scheduleRequest(NOW, tables), now: String(NOW), defaultScheduleSeconds: "60" });
    expect(response.result).toMatchObject({ due: [], nextDueInMs: 2000, invalid: [] });
  });

  it("work before 1970", () => {
    const now = Date.parse("1969-07-20T20:17:40Z");
    expect(schedule([st("1", "0 20 * * *", now - 20 * MINUTE)], 60, now).due).toEqual(["1"]);
    expect(schedule([st("1", "0 21 * * *", now)], 60, now).nextDueInMs).toBe(42 * MINUTE + 20 * SECOND);
  });
});

describe("diamonds (consistency groups)", () => {
  // A (table 100) → B (2) and C (3) → D (4): B and C refresh together.
  const diamond = (b: number | null, c: number | null, overrides: Record<string, string> = {}) => [
    st("2", "1s", b, { sources: ["100"] }),
    st("3", "1h", c, { sources: ["100"] }),
    st("4", "1s", NOW - 5 * SECOND, { upstream: ["2", "3"], ...overrides }),
  ];

  it("groups the upstreams of a convergence point that share an ancestor, and refreshes them in one batch", () => {
    const result = schedule(diamond(NOW - 5 * SECOND, NOW - 5 * SECOND));
    expect(result.groups).toEqual([{ group: 1, members: ["2", "3"], convergence: ["4"], policy: "fastest" }]);
    // 'fastest': C is not due on its own (1h), but B is, so both refresh, before D.
    expect(result.batches).toEqual([{ ids: ["2", "3"] }, { ids: ["4"] }]);
    expect(result.due).toEqual(["2", "3", "4"]);
  });

  it("under 'slowest' waits until every member is due", () => {
    const slowest = schedule(diamond(NOW - 5 * SECOND, NOW - 5 * SECOND, { diamondSchedulePolicy: "slowest" }));
    expect(slowest.groups[0].policy).toBe("slowest");
    expect(slowest.batches).toEqual([{ ids: ["4"] }]);
    const allDue = schedule(diamond(NOW - 5 * SECOND, NOW - 2 * 3600 * SECOND, { diamondSchedulePolicy: "slowest" }));
    expect(allDue.batches).toEqual([{ ids: ["2", "3"] }, { ids: ["4"] }]);
  });

  it("forms no group under diamond_consistency 'none', or when the upstreams share no ancestor", () => {
    expect(schedule(diamond(NOW - 5 * SECOND, NOW - 5 * SECOND, { diamondConsistency: "none" })).batches)
      .toEqual([{ ids: ["2"] }, { ids: ["4"] }]);
    const apart = schedule([st("2", "1s", NOW - 5 * SECOND, { sources: ["100"] }), st("3", "1h", NOW - 5 * SECOND, { sources: ["101"] }),
      st("4", "1s", NOW - 5 * SECOND, { upstream: ["2", "3"] })]);
    expect(apart.groups).toEqual([]);
    expect(apart.batches).toEqual([{ ids: ["2"] }, { ids: ["4"] }]);
  });

  it("finds a shared stream-table ancestor, orders a group's members among themselves, and merges groups sharing a member", () => {
    // 1 (table 100) → 2, 3; 2 → 5; 3 + 5 → 6: 3 and 5 share ancestor 1; 2 + 3 → 7: 2 and 3 share 1.
    const result = schedule([
      st("1", "1s", NOW - 5 * SECOND, { sources: ["100"] }),
      st("2", "1s", NOW - 5 * SECOND, { upstream: ["1"] }),
      st("3", "1s", NOW - 5 * SECOND, { upstream: ["1"] }),
      st("5", "1s", NOW - 5 * SECOND, { upstream: ["2"] }),
      st("6", "1s", NOW - 5 * SECOND, { upstream: ["3", "5"] }),
      st("7", "1s", NOW - 5 * SECOND, { upstream: ["2", "3"] }),
    ]);
    expect(result.groups).toEqual([{ group: 1, members: ["2", "3", "5"], convergence: ["6", "7"], policy: "fastest" }]);
    expect(result.batches).toEqual([{ ids: ["1"] }, { ids: ["2", "3", "5"] }, { ids: ["6"] }, { ids: ["7"] }]);
  });

  it("leaves suspended members out of the group", () => {
    const tables = diamond(NOW - 5 * SECOND, NOW - 5 * SECOND);
    tables[1].status = "SUSPENDED";
    expect(schedule(tables)).toMatchObject({ groups: [], batches: [{ ids: ["2"] }, { ids: ["4"] }] });
  });
});
