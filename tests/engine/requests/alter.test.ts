/**
 * @fileoverview `alter` (src/engine/requests/alter.ts): changing a stream table's schedule,
 * refresh mode or status becomes one UPDATE of its catalog row; a refresh mode its program
 * cannot honour is refused, and AUTO resolves against the stored program.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import {
  createCatalog, defaultCatalogConfig, type FixtureRelation, type FixtureStreamTable,
} from "../../native/catalog-fixture.ts";
import { createdProgram, loadEngine } from "../engine-fixture.ts";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const alter = (name: string, options: Record<string, unknown>, on: EngineHost = engine): any =>
  on.callJson({ op: "alter", name, options, minScheduleSeconds: 1 });

const update = (set: string, pgtId = 1) => [{ sql: `UPDATE pgtrickle.pgt_stream_tables SET ${set}, updated_at = now() WHERE pgt_id = ${pgtId}`, counting: "none" }];

describe("alter", () => {
  it("sets the schedule", () => {
    expect(alter("st", { schedule: "5m" }).result).toEqual({ warnings: [], refresh: false, statements: update("schedule = '5m'") });
  });

  it("finds the stream table by qualified or quoted name", () => {
    expect(alter("public.st", { schedule: "5m" }).result.statements).toEqual(update("schedule = '5m'"));
    expect(alter('"public"."st"', { schedule: "5m" }).result.statements).toEqual(update("schedule = '5m'"));
    expect(alter("st_top", { schedule: "5m" }).result.statements).toEqual(update("schedule = '5m'", 2));
  });

  it.each([
    ["FULL", "refresh_mode = 'FULL', requested_mode = 'FULL'"],
    ["differential", "refresh_mode = 'DIFFERENTIAL', requested_mode = 'DIFFERENTIAL'"],
    ["INCREMENTAL", "refresh_mode = 'DIFFERENTIAL', requested_mode = 'DIFFERENTIAL'"],
    ["AUTO", "refresh_mode = 'DIFFERENTIAL', requested_mode = 'AUTO'"],
  ])("sets refresh mode %s on a differentiable stream table", (mode, set) => {
    expect(alter("st", { refresh_mode: mode }).result).toEqual({ warnings: [], refresh: false, statements: update(set) });
  });

  it("resolves AUTO to FULL for a program that is not differentiable, with a warning naming why", () => {
    expect(alter("st_top", { refresh_mode: "AUTO" }).result).toEqual({
      warnings: ['stream table "st_top" will use FULL refresh: LIMIT or OFFSET is not supported in DIFFERENTIAL mode'],
      refresh: false,
      statements: update("refresh_mode = 'FULL', requested_mode = 'AUTO'", 2),
    });
  });

  it("refuses DIFFERENTIAL for a program that is not differentiable: 0A000 with the stored reason", () => {
    expect(alter("st_top", { refresh_mode: "DIFFERENTIAL" }).error).toEqual({
      code: "UnsupportedConstruct", sqlstate: "0A000", category: "user",
      message: "LIMIT or OFFSET is not supported in DIFFERENTIAL mode", detail: null,
      hint: "Use refresh_mode => 'FULL', or 'AUTO' to fall back to FULL refresh automatically.", position: 0,
    });
  });

  it.each([
    ["SUSPENDED", "status = 'SUSPENDED'"],
    [" suspended ", "status = 'SUSPENDED'"],
    ["active", "status = 'ACTIVE', consecutive_errors = 0"],
  ])("sets status %j (ACTIVE also clears the error count)", (status, set) => {
    expect(alter("st", { status }).result.statements).toEqual(update(set));
  });

  it("refuses another status: 22023", () => {
    expect(alter("st", { status: "PAUSED" }).error).toEqual({
      code: "InvalidArgument", sqlstate: "22023", category: "user", message: 'invalid status "PAUSED"', detail: null,
      hint: "Use 'ACTIVE' or 'SUSPENDED'.", position: 0,
    });
  });

  it("changes everything asked for in one UPDATE", () => {
    expect(alter("st", { schedule: "@hourly", refresh_mode: "FULL", status: "ACTIVE" }).result.statements).toEqual(
      update("schedule = '@hourly', refresh_mode = 'FULL', requested_mode = 'FULL', status = 'ACTIVE', consecutive_errors = 0"));
  });

  it("returns nothing to run when nothing is asked for", () => {
    expect(alter("st", {}).result).toEqual({ warnings: [], statements: [], refresh: false });
  });

  it("returns no statement at all when one of several changes is invalid", () => {
    const response = alter("st", { schedule: "5m", status: "PAUSED" });
    expect(response.ok).toBe(false);
    expect(response.result).toBeUndefined();
  });

  it("refuses a new defining query: 0A000", () => {
    expect(alter("st", { query: "SELECT 1" }).error).toMatchObject({
      sqlstate: "0A000", message: "changing the defining query is not supported yet",
      hint: "Drop the stream table and create it again with the new query.",
    });
  });

  it.each(["nope", "orders", "public.v"])("says %s is not a stream table: 42P01", (name) => {
    expect(alter(name, { schedule: "5m" }).error).toEqual({
      code: "UndefinedTable", sqlstate: "42P01", category: "schema", message: `stream table "${name}" does not exist`, detail: null,
      hint: "pgtrickle.pgt_stream_tables lists the stream tables.", position: 0,
    });
  });

  it("decides from the program create stored: a LIMIT query created in AUTO cannot become DIFFERENTIAL", async () => {
    const program = await createdProgram("SELECT id FROM orders LIMIT 10", { name: "top10" });
    const relation: FixtureRelation = { oid: "16500", schema: "public", name: "top10", relkind: "r", isStreamTable: true, columns: [], primaryKey: [] };
    const row: FixtureStreamTable = {
      pgtId: "7", relid: "16500", schema: "public", name: "top10", refreshMode: "FULL", requestedMode: "AUTO", status: "ACTIVE",
      program, sources: [{ oid: "16384", otherConsumers: 0 }],
    };
    const base = defaultCatalogConfig();
    const withTop10 = await loadEngine(createCatalog({ relations: [...base.relations, relation], streamTables: [...base.streamTables, row] }));
    expect(alter("top10", { refresh_mode: "DIFFERENTIAL" }, withTop10).error.message).toBe("LIMIT without ORDER BY is not supported in DIFFERENTIAL mode");
    expect(alter("top10", { refresh_mode: "AUTO" }, withTop10).result.statements).toEqual(update("refresh_mode = 'FULL', requested_mode = 'AUTO'", 7));
  });

  it("has the shim compile a WITH RECURSIVE program again when it switches to or from IMMEDIATE (the recursion bound)", async () => {
    const query = "WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT n FROM c";
    const relation: FixtureRelation = { oid: "16500", schema: "public", name: "walk", relkind: "r", isStreamTable: true, columns: [], primaryKey: [] };
    const base = defaultCatalogConfig();
    const engineWith = async (refreshMode: string) => loadEngine(createCatalog({
      relations: [...base.relations, relation],
      streamTables: [...base.streamTables, {
        pgtId: "7", relid: "16500", schema: "public", name: "walk", refreshMode, requestedMode: refreshMode, status: "ACTIVE",
        program: await createdProgram(query, { name: "walk", refreshMode }), sources: [{ oid: "16384", otherConsumers: 0 }],
      }],
    }));
    const differential = await engineWith("DIFFERENTIAL");
    expect(alter("walk", { refresh_mode: "IMMEDIATE" }, differential).result).toMatchObject({ refresh: true, rebuild: "7" });
    expect(alter("walk", { refresh_mode: "FULL" }, differential).result).toEqual({ warnings: [], refresh: false, statements: update("refresh_mode = 'FULL', requested_mode = 'FULL'", 7) });
    expect(alter("walk", { refresh_mode: "DIFFERENTIAL" }, await engineWith("IMMEDIATE")).result).toMatchObject({ refresh: true, rebuild: "7" });
    // Any other program serves every mode as it is.
    expect(alter("st", { refresh_mode: "IMMEDIATE" }).result.rebuild).toBeUndefined();
  });
});
