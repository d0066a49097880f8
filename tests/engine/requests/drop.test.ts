/**
 * @fileoverview `drop` (src/engine/requests/drop.ts): a stream table's catalog row and storage go,
 * and so does the change capture of each source no other stream table reads.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import {
  createCatalog, defaultCatalogConfig, EVENTS, type FixtureRelation, type FixtureStreamTable, ORDERS,
} from "../../native/catalog-fixture.ts";
import { createdProgram, loadEngine, parses } from "../engine-fixture.ts";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const drop = (name: string, on: EngineHost = engine): any => on.callJson({ op: "drop", name, cascade: false });
const sqlOf = (response: { result: { statements: { sql: string }[] } }) => response.result.statements.map((s) => s.sql);

/** An engine whose catalog also holds the stream table `row` (storage `"Sales"."Daily Totals"`). */
async function engineWith(sources: FixtureStreamTable["sources"], program: unknown): Promise<EngineHost> {
  const relation: FixtureRelation = { oid: "16600", schema: "Sales", name: "Daily Totals", relkind: "r", isStreamTable: true, columns: [], primaryKey: [] };
  const row: FixtureStreamTable = {
    pgtId: "42", relid: "16600", schema: "Sales", name: "Daily Totals", refreshMode: "DIFFERENTIAL", requestedMode: "AUTO",
    status: "ACTIVE", program, sources,
  };
  const base = defaultCatalogConfig();
  return loadEngine(createCatalog({ relations: [...base.relations, relation], streamTables: [...base.streamTables, row] }));
}

describe("drop", () => {
  it("keeps the capture of a source another stream table still reads", () => {
    // public.st reads orders, and so does public.st_top.
    expect(drop("st").result).toEqual({
      storage: '"public"."st"',
      statements: [
        { sql: "DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = 1", counting: "none" },
        { sql: 'DROP TABLE IF EXISTS "public"."st"', counting: "none" },
      ],
    });
  });

  it("removes the capture of a source it was the last to read: trigger function (with its triggers) and buffer", async () => {
    const program = await createdProgram("SELECT customer, sum(amount) AS total FROM orders GROUP BY customer", { name: '"Sales"."Daily Totals"' });
    const response = drop('"Sales"."Daily Totals"', await engineWith([{ oid: ORDERS.oid, otherConsumers: 0 }], program));
    expect(response.result.storage).toBe('"Sales"."Daily Totals"');
    expect(sqlOf(response)).toEqual([
      "DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = 42",
      'DROP TABLE IF EXISTS "Sales"."Daily Totals"',
      'DROP FUNCTION IF EXISTS pgtrickle_changes."capture_16384"() CASCADE',
      'DROP TABLE IF EXISTS pgtrickle_changes."changes_16384"',
    ]);
    for (const sql of sqlOf(response)) expect(parses(sql), sql).toBe(true);
  });

  it("decides per source", async () => {
    const program = { storage: '"Sales"."Daily Totals"', differentiable: false };
    const response = drop('"Sales"."Daily Totals"', await engineWith([
      { oid: ORDERS.oid, otherConsumers: 2 }, { oid: EVENTS.oid, otherConsumers: 0 },
    ], program));
    expect(sqlOf(response).slice(2)).toEqual([
      'DROP FUNCTION IF EXISTS pgtrickle_changes."capture_16390"() CASCADE',
      'DROP TABLE IF EXISTS pgtrickle_changes."changes_16390"',
    ]);
  });

  it("refuses while other stream tables read it (2BP01), and with cascade drops the readers first", async () => {
    const relation: FixtureRelation = { oid: "16600", schema: "public", name: "up", relkind: "r", isStreamTable: true, columns: [], primaryKey: [] };
    const reader: FixtureRelation = { oid: "16601", schema: "public", name: "down", relkind: "r", isStreamTable: true, columns: [], primaryKey: [] };
    const row = (pgtId: string, relid: string, name: string, dependents: string[]): FixtureStreamTable & { dependents: string[] } => ({
      pgtId, relid, schema: "public", name, refreshMode: "FULL", requestedMode: "FULL", status: "ACTIVE",
      program: { storage: `"public"."${name}"` }, sources: [], dependents,
    });
    const base = defaultCatalogConfig();
    const on = await loadEngine(createCatalog({
      relations: [...base.relations, relation, reader],
      streamTables: [...base.streamTables, row("50", "16600", "up", ['"public"."down"']), row("51", "16601", "down", [])],
    }));
    expect(on.callJson({ op: "drop", name: "up", cascade: false }).error).toEqual({
      code: "DependentObjects", sqlstate: "2BP01", category: "schema",
      message: 'cannot drop stream table "up" because other stream tables depend on it',
      detail: 'Stream tables reading it: "public"."down".', hint: "Drop them first, or use cascade => true to drop them too.", position: 0,
    });
    expect(sqlOf(on.callJson({ op: "drop", name: "up", cascade: true }))).toEqual([
      "DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = 51",
      'DROP TABLE IF EXISTS "public"."down"',
      "DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = 50",
      'DROP TABLE IF EXISTS "public"."up"',
    ]);
  });

  it("drops the storage the program names, however the user spelled the name", async () => {
    const program = { storage: '"Sales"."Daily Totals"', differentiable: true };
    const on = await engineWith([], program);
    expect(sqlOf(drop('"Sales"."Daily Totals"', on))[1]).toBe('DROP TABLE IF EXISTS "Sales"."Daily Totals"');
  });

  it.each(["nope", "orders", "v", "public.nope"])("says %s is not a stream table: 42P01", (name) => {
    expect(drop(name).error).toEqual({
      code: "UndefinedTable", sqlstate: "42P01", category: "schema", message: `stream table "${name}" does not exist`, detail: null,
      hint: "pgtrickle.pgt_stream_tables lists the stream tables.", position: 0,
    });
  });
});
