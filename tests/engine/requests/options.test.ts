/**
 * @fileoverview Validation of create/alter arguments (src/engine/requests/options.ts): refresh
 * mode, schedule and the options this version does not implement, through `create` and `alter`
 * requests on the fixture catalog. Validation comes before any catalog lookup or analysis.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import { createRequest, loadEngine } from "../engine-fixture.ts";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const create = (overrides: Record<string, unknown>): any => engine.callJson(createRequest("SELECT id, amount FROM orders", overrides));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const alter = (options: Record<string, unknown>, minScheduleSeconds = 1): any =>
  engine.callJson({ op: "alter", name: "st", options, minScheduleSeconds });

/** The schedule column the catalog row of a successful create stores. */
const storedSchedule = (response: { result: { statements: { sql: string }[] } }): string =>
  /\n {2}(NULL|'[^']*'), '/.exec(response.result.statements.at(-2)!.sql)![1];

describe("refresh mode", () => {
  it.each([["AUTO", "DIFFERENTIAL"], ["auto", "DIFFERENTIAL"], ["FULL", "FULL"], ["Differential", "DIFFERENTIAL"], ["INCREMENTAL", "DIFFERENTIAL"]])(
    "%s is accepted (effective %s)", (refreshMode, effective) => {
      expect(create({ refreshMode }).result.refreshMode).toBe(effective);
    });

  it("defaults to AUTO when the request has none", () => {
    const request = createRequest("SELECT id FROM orders");
    delete request.refreshMode;
    expect(engine.callJson(request).result.statements.at(-2).sql).toContain("'DIFFERENTIAL', 'AUTO', 'DIFFERENTIAL'");
  });

  it.each(["SOMETIMES", "", "FULL!"])("%j is invalid: 22023", (refreshMode) => {
    expect(create({ refreshMode }).error).toEqual({
      code: "InvalidArgument", sqlstate: "22023", category: "user", message: `invalid refresh mode "${refreshMode}"`,
      detail: null, hint: "Use one of 'AUTO', 'DIFFERENTIAL', 'FULL' or 'IMMEDIATE'.", position: 0,
    });
  });

  it("IMMEDIATE is accepted: statement triggers on the source instead of change capture", () => {
    const result = create({ refreshMode: "immediate" }).result;
    expect(result.refreshMode).toBe("IMMEDIATE");
    const sql = result.statements.map((s: { sql: string }) => s.sql).join("\n");
    expect(sql).toContain("SELECT pgtrickle._immediate_triggers(pgt_id, true) FROM pgtrickle.pgt_stream_tables");
    expect(sql).not.toContain("CREATE TRIGGER pgtrickle_capture");
    expect(sql).not.toContain("CREATE TABLE pgtrickle_changes");
    expect(sql).toContain("'immediate'\nFROM pgtrickle.pgt_stream_tables");
    // Each statement kind reads its own transition tables.
    const immediate = result.program.immediate;
    expect(immediate.insert.apply[0].sql).toContain("FROM __pgt_new AS t");
    expect(immediate.insert.apply[0].sql).not.toContain("__pgt_old");
    expect(immediate.delete.apply[0].sql).toContain("FROM __pgt_old AS t");
    expect(immediate.update.apply[0].sql).toMatch(/__pgt_old AS t\n {2}UNION ALL\n.*__pgt_new AS t/);
  });

  it("IMMEDIATE locks the groups of an aggregate, and nothing for a projection keyed like its source", () => {
    const aggregate = engine.callJson(createRequest("SELECT customer, count(*) AS n FROM orders GROUP BY customer", { refreshMode: "IMMEDIATE" }));
    expect(aggregate.result.program.immediate.update.lock).toContain("pg_advisory_xact_lock($1::int4, k.h)");
    expect(aggregate.result.program.immediate.check).toContain("WHERE st.__pgt_row_id = ANY($1::bigint[])");
    expect(create({ refreshMode: "IMMEDIATE" }).result.program.immediate.update.lock).toBe("");
  });

  it("IMMEDIATE for a query DIFFERENTIAL cannot maintain: 0A000 naming IMMEDIATE", () => {
    expect(engine.callJson(createRequest("SELECT id FROM orders LIMIT 3", { refreshMode: "IMMEDIATE" })).error).toMatchObject({
      sqlstate: "0A000", message: "LIMIT without ORDER BY is not supported in IMMEDIATE mode",
      hint: "IMMEDIATE mode maintains what DIFFERENTIAL mode can. Use refresh_mode => 'FULL' for this query.",
    });
  });

  it("IMMEDIATE with initialize => false: 22023", () => {
    expect(create({ refreshMode: "IMMEDIATE", initialize: false }).error).toMatchObject({
      sqlstate: "22023", message: "an IMMEDIATE stream table cannot be created unpopulated",
    });
  });

  it("is checked before the query: a bad mode wins over an unknown table", () => {
    expect(engine.callJson(createRequest("SELECT x FROM nope", { refreshMode: "NEVER" })).error.sqlstate).toBe("22023");
  });
});

describe("schedule", () => {
  it.each([
    ["calculated", "NULL"], ["CALCULATED", "NULL"], [" 30s ", "'30s'"], ["1h30m", "'1h30m'"], ["2d", "'2d'"], ["1w", "'1w'"],
    ["*/5 * * * *", "'*/5 * * * *'"], ["0 0 * * 1-5", "'0 0 * * 1-5'"], ["0 */5 * * * *", "'0 */5 * * * *'"],
    ["@hourly", "'@hourly'"], ["@Daily", "'@Daily'"],
  ])("%j is accepted and stored as %s", (schedule, stored) => {
    expect(storedSchedule(create({ schedule }))).toBe(stored);
  });

  it("NULL is refused: 22023", () => {
    expect(create({ schedule: null }).error).toEqual({
      code: "InvalidArgument", sqlstate: "22023", category: "user", message: "schedule must not be NULL", detail: null,
      hint: "Use 'calculated' to derive the schedule from downstream stream tables.", position: 0,
    });
  });

  it.each([
    ["500ms", null], ["1x", null], ["30", null], ["s", null], ["1h30", null], ["* * * *", null], ["5 minutes", null],
    // Text meant as cron (a macro, or 5 or 6 fields) gets the parser's reason as DETAIL.
    ["@every", 'Unknown cron macro "@every".'], ["*/5 * * * ?", 'Invalid day-of-week value "?".'],
    ["61 * * * *", "Minute value 61 is out of range 0-59."], ["0 0 0 * *", "Day-of-month value 0 is out of range 1-31."],
    ["* * * * * 8", "Day-of-week value 8 is out of range 0-7."], ["0 0 * jan-foo *", 'Invalid month value "foo".'],
  ])("%j is invalid: 22023 with DETAIL %j", (schedule, detail) => {
    expect(create({ schedule }).error).toEqual({
      code: "InvalidArgument", sqlstate: "22023", category: "user", message: `invalid schedule "${schedule.trim()}"`, detail,
      hint: "Use a duration such as '30s' or '1h30m', a cron expression such as '*/5 * * * *', or 'calculated'.", position: 0,
    });
  });

  it.each(["every five minutes on weekdays", "run me every hour please"])("%j is not a cron expression: 22023", (schedule) => {
    expect(create({ schedule }).error.sqlstate).toBe("22023");
  });

  it.each([["0s", 1], ["59s", 60], ["1m", 61]])("%j is shorter than min_schedule_seconds = %i: 22023", (schedule, minScheduleSeconds) => {
    expect(create({ schedule, minScheduleSeconds }).error).toEqual({
      code: "InvalidArgument", sqlstate: "22023", category: "user",
      message: `schedule "${schedule}" is shorter than pg_trickle.min_schedule_seconds`,
      detail: `The minimum is ${minScheduleSeconds} seconds.`,
      hint: "Use a longer schedule, or lower pg_trickle.min_schedule_seconds.", position: 0,
    });
  });

  it("exactly min_schedule_seconds is accepted", () => {
    expect(storedSchedule(create({ schedule: "1m", minScheduleSeconds: 60 }))).toBe("'1m'");
  });

  it("cron expressions are not held to min_schedule_seconds", () => {
    expect(storedSchedule(create({ schedule: "* * * * *", minScheduleSeconds: 3600 }))).toBe("'* * * * *'");
  });
});

describe("diamond options", () => {
  it("are stored lower-cased after the catalog row", () => {
    const sqls = create({ options: { diamond_consistency: "NONE", diamond_schedule_policy: "Slowest" } }).result.statements.map((st: { sql: string }) => st.sql);
    expect(sqls.at(-1)).toBe("UPDATE pgtrickle.pgt_stream_tables SET diamond_consistency = 'none', diamond_schedule_policy = 'slowest'"
      + " WHERE pgt_relid = '\"public\".\"new_st\"'::regclass");
  });

  it.each([
    ["diamond_consistency", "sometimes", "Use 'atomic' or 'none'."],
    ["diamond_schedule_policy", "eventually", "Use 'fastest' or 'slowest'."],
  ])("%s = %s: 22023", (option, value, hint) => {
    expect(create({ options: { [option]: value } }).error).toMatchObject({
      sqlstate: "22023", message: `invalid ${option} "${value}"`, hint,
    });
  });
});

describe("options not supported yet", () => {
  it.each([
    ["partition_by", "customer"],
    ["max_differential_joins", 3], ["max_delta_fraction", 0.5],
  ])("%s: 0A000", (option, value) => {
    expect(create({ options: { [option]: value } }).error).toEqual({
      code: "UnsupportedConstruct", sqlstate: "0A000", category: "user", message: `option ${option} is not supported yet`,
      detail: null, hint: "Leave it unset (NULL) in this version of pg_trickle.", position: 0,
    });
  });

  it.each(["append_only", "pooler_compatibility_mode"])("%s => true: 0A000; => false is the default and accepted", (option) => {
    expect(create({ options: { [option]: true } }).error.message).toBe(`option ${option} is not supported yet`);
    expect(create({ options: { [option]: false } }).ok).toBe(true);
  });

  it("cdc_mode: 'auto' and 'trigger' are accepted, 'wal' is not supported yet, anything else is invalid", () => {
    expect(create({ options: { cdc_mode: "auto" } }).ok).toBe(true);
    expect(create({ options: { cdc_mode: "TRIGGER" } }).ok).toBe(true);
    expect(create({ options: { cdc_mode: "wal" } }).error).toMatchObject({ sqlstate: "0A000", message: "option cdc_mode => 'wal' is not supported yet" });
    expect(create({ options: { cdc_mode: "logical" } }).error).toMatchObject({
      sqlstate: "22023", message: 'invalid cdc_mode "logical"', hint: "Use 'auto', 'trigger' or 'wal'.",
    });
  });

  it.each(["tier", "fuse", "fuse_ceiling", "fuse_sensitivity"])("alter's %s: 0A000", (option) => {
    expect(alter({ [option]: "x" }).error).toMatchObject({ sqlstate: "0A000", message: `option ${option} is not supported yet` });
  });
});

describe("the same rules in alter", () => {
  it.each([["30s", "'30s'"], ["@hourly", "'@hourly'"], ["calculated", "NULL"]])("schedule %j sets schedule = %s", (schedule, stored) => {
    expect(alter({ schedule }).result.statements).toEqual([
      { sql: `UPDATE pgtrickle.pgt_stream_tables SET schedule = ${stored}, updated_at = now() WHERE pgt_id = 1`, counting: "none" },
    ]);
  });

  it.each([["500ms", 1], ["0s", 1], ["1x", 1], ["30s", 60]])("schedule %j (min %i): 22023", (schedule, min) => {
    expect(alter({ schedule }, min).error.sqlstate).toBe("22023");
  });

  it("an out-of-range cron schedule: 22023 with the parser's reason", () => {
    expect(alter({ schedule: "0 24 * * *" }).error).toMatchObject({
      sqlstate: "22023", message: 'invalid schedule "0 24 * * *"', detail: "Hour value 24 is out of range 0-23.",
    });
  });

  it("refresh_mode: invalid is 22023", () => {
    expect(alter({ refresh_mode: "SOMETIMES" }).error.sqlstate).toBe("22023");
  });
});
