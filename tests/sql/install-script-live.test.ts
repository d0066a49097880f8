/**
 * @fileoverview The install script's SQL-only objects executed on a real PostgreSQL, inside a
 * transaction that is rolled back: the catalog tables, index, helper function and view load, their
 * columns have the declared types, and the monitoring view computes what it promises.
 *
 * Runs in a fresh database of the newest test cluster, or in the database PGTRICKLE_SQL_TEST_URL
 * names (superuser, no pg_trickle installed):
 *   PGTRICKLE_SQL_TEST_URL=postgres://postgres@%2Ftmp%2Fsock:5432/postgres npx vitest run tests/sql
 * C functions need the built library and config-dump registration needs CREATE EXTENSION, so both
 * are left out here; the integration suite covers them.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../src/sql/catalog.ts";
import type { CatalogObject } from "../../src/sql/declare.ts";
import { renderObject } from "../../src/sql/render.ts";
import { createFreshDatabase, pgVersions, type FreshDatabase } from "../setup/pg.ts";

const url = process.env.PGTRICKLE_SQL_TEST_URL;
const clusterMajor = pgVersions().at(-1);

/** Every object the script creates that loads without the C library or CREATE EXTENSION. */
const cFunctionNames = catalog.objects.flatMap((o) => (o.kind === "function" && o.language === "c" ? [`${o.schema}.${o.name}(`] : []));

/** Everything but C functions and the SQL-standard bodies that call one (bound when created). */
function loadsWithoutLibrary(object: CatalogObject): boolean {
  if (object.kind === "config_dump") return false;
  if (object.kind === "event_trigger") return !cFunctionNames.includes(`${object.functionSchema}.${object.functionName}(`);
  if (object.kind !== "function") return true;
  if (object.language === "c") return false;
  const body = object.body;
  return !(body.kind === "sql_standard" && cFunctionNames.some((name) => body.text.includes(name)));
}

describe.skipIf(url === undefined && clusterMajor === undefined)("install script on a live server", () => {
  let client: pg.Client;
  let database: FreshDatabase | undefined;

  beforeAll(async () => {
    if (url !== undefined) {
      client = new pg.Client({ connectionString: url });
      await client.connect();
    } else {
      database = await createFreshDatabase(clusterMajor as number);
      client = await database.connect();
    }
    await client.query("BEGIN");
    await client.query("CREATE SCHEMA pgtrickle");
    await client.query("SET LOCAL search_path = pgtrickle");
    for (const object of catalog.objects.filter(loadsWithoutLibrary)) {
      for (const statement of renderObject(object)) await client.query(statement);
    }
    await client.query("SET LOCAL search_path = public");
  });

  afterAll(async () => {
    await client?.query("ROLLBACK").catch(() => undefined);
    await client?.end();
    await database?.drop();
  });

  async function scalar(sql: string, params: unknown[] = []): Promise<unknown> {
    const result = await client.query({ text: sql, values: params, rowMode: "array" });
    return result.rows[0][0];
  }

  it("parses duration schedules and returns NULL for cron and calculated", async () => {
    const cases: [string | null, number | null][] = [
      ["30s", 30], ["5m", 300], ["1h30m", 5400], ["2d", 172800], ["1w", 604800], ["1H30M", 5400], [" 90s ", 90],
      ["*/5 * * * *", null], ["0 */5 * * * *", null], ["@hourly", null], ["calculated", null], ["", null],
      ["1.5h", null], ["-5s", null], ["10", null], [null, null],
    ];
    for (const [schedule, seconds] of cases) {
      expect(await scalar("SELECT pgtrickle._schedule_seconds($1)", [schedule]), String(schedule)).toBe(seconds);
    }
  });

  it("gives tables and the view exactly the declared column types", async () => {
    for (const object of catalog.objects) {
      if (object.kind !== "table" && object.kind !== "view") continue;
      const result = await client.query<{ attname: string; type: string; notnull: boolean }>(
        `SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull
           FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [`${object.schema}.${object.name}`],
      );
      expect(result.rows.map((r) => `${r.attname} ${r.type}`), object.name).toEqual(object.columns.map((c) => `${c.name} ${c.type}`));
      if (object.kind === "table") {
        expect(result.rows.map((r) => r.notnull), object.name).toEqual(object.columns.map((c) => c.notNull));
        const constraints = await client.query<{ conname: string }>(
          "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype <> 'n' ORDER BY conname",
          [`${object.schema}.${object.name}`],
        );
        expect(constraints.rows.map((r) => r.conname)).toEqual(object.constraints.map((c) => c.name).sort());
      }
    }
  });

  it("reports each stream table's state, staleness and refresh statistics", async () => {
    await client.query("SAVEPOINT view_probe");
    try {
      const insert = `INSERT INTO pgtrickle.pgt_stream_tables
          (pgt_relid, pgt_name, pgt_schema, defining_query, original_query, schedule, refresh_mode, requested_mode,
           status, is_populated, data_timestamp, refresh_program)
        VALUES ($1, $2, 'public', 'SELECT 1', 'SELECT 1', $3, $4, 'AUTO', 'ACTIVE', true, now() - $5::interval, '{}')
        RETURNING pgt_id`;
      const stale = await scalar(insert, [1, "stale_one", "1m", "DIFFERENTIAL", "5 minutes"]);
      const fresh = await scalar(insert, [2, "fresh_one", "1h30m", "FULL", "5 minutes"]);
      const cron = await scalar(insert, [3, "cron_one", "*/5 * * * *", "FULL", "1 day"]);
      const immediate = await scalar(insert, [4, "immediate_one", "1m", "IMMEDIATE", "1 day"]);
      await client.query(
        `INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, cdc_mode)
         VALUES ($1, 10, 'TABLE', 'trigger'), ($1, 11, 'TABLE', 'wal'), ($1, 12, 'TABLE', 'trigger')`,
        [stale],
      );
      await client.query(
        `INSERT INTO pgtrickle.pgt_refresh_history
           (pgt_id, start_time, end_time, action, rows_inserted, rows_deleted, status, initiated_by)
         VALUES ($1, now() - interval '3 min', now() - interval '3 min' + interval '100 ms', 'FULL', 10, 0, 'COMPLETED', 'INITIAL'),
                ($1, now() - interval '2 min', now() - interval '2 min' + interval '300 ms', 'DIFFERENTIAL', 2, 1, 'COMPLETED', 'SCHEDULER'),
                ($1, now() - interval '1 min', now() - interval '1 min' + interval '5 s', 'DIFFERENTIAL', 0, 0, 'FAILED', 'MANUAL')`,
        [stale],
      );
      const rows = await client.query(
        `SELECT pgt_id, name, stale, total_refreshes, successful_refreshes, failed_refreshes, rows_inserted, rows_deleted,
                round(avg_duration_ms) AS avg_ms, last_action, last_status, cdc_modes, staleness >= interval '5 minutes' AS aged
           FROM pgtrickle.pg_stat_stream_tables ORDER BY pgt_id`,
      );
      const byId = new Map(rows.rows.map((r) => [r.pgt_id, r]));
      expect(byId.get(stale)).toMatchObject({
        name: "public.stale_one", stale: true, total_refreshes: "3", successful_refreshes: "2", failed_refreshes: "1",
        rows_inserted: "12", rows_deleted: "1", avg_ms: 200, last_action: "DIFFERENTIAL", last_status: "FAILED",
        cdc_modes: ["trigger", "wal"], aged: true,
      });
      expect(byId.get(fresh)).toMatchObject({
        stale: false, total_refreshes: "0", rows_inserted: "0", avg_ms: null, last_action: null, cdc_modes: null,
      });
      expect(byId.get(cron)).toMatchObject({ stale: null });
      expect(byId.get(immediate)).toMatchObject({ stale: null });
    } finally {
      await client.query("ROLLBACK TO SAVEPOINT view_probe");
    }
  });

  it("cascades a stream table's deletion to its dependencies and history, and enforces the CHECKs", async () => {
    await client.query("SAVEPOINT cascade_probe");
    try {
      const id = await scalar(
        `INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
           refresh_mode, requested_mode, refresh_program) VALUES (5, 'x', 'public', 'q', 'q', 'FULL', 'FULL', '{}') RETURNING pgt_id`,
      );
      await client.query("INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type) VALUES ($1, 1, 'VIEW')", [id]);
      await client.query(
        "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, action, status, initiated_by) VALUES ($1, now(), 'NO_DATA', 'RUNNING', 'SCHEDULER')",
        [id],
      );
      await client.query("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = $1", [id]);
      expect(await scalar("SELECT count(*)::int FROM pgtrickle.pgt_dependencies")).toBe(0);
      expect(await scalar("SELECT count(*)::int FROM pgtrickle.pgt_refresh_history")).toBe(0);
      await expect(
        client.query(`INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
           refresh_mode, requested_mode, refresh_program) VALUES (6, 'y', 'public', 'q', 'q', 'AUTO', 'AUTO', '{}')`),
      ).rejects.toThrow(/pgt_stream_tables_refresh_mode_check/);
    } finally {
      await client.query("ROLLBACK TO SAVEPOINT cascade_probe");
    }
  });
});
