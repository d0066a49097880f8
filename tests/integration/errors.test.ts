/**
 * @fileoverview Bad input gets a clear ERROR with the right SQLSTATE and leaves nothing behind;
 * engine faults (memory cap, deep nesting, exhausted stack) end in a clean ERROR after which the
 * same session keeps working and the server never restarted; drop and alter do what they say.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { createStreamTable, errorOf, expectMatchesQuery, refresh, withExtensionDatabase } from "./oracle.ts";

const create = (client: pg.ClientBase, name: string, query: string, mode = "DIFFERENTIAL") =>
  client.query("SELECT pgtrickle.create_stream_table($1, $2, refresh_mode => $3)", [name, query, mode]);

/** Counts of what a stream table leaves behind: its table, catalog rows, capture triggers and buffers. */
async function leftovers(client: pg.ClientBase) {
  const q = async (sql: string) => Number((await client.query(sql)).rows[0].n);
  return {
    streamTables: await q("SELECT count(*) AS n FROM pgtrickle.pgt_stream_tables"),
    dependencies: await q("SELECT count(*) AS n FROM pgtrickle.pgt_dependencies"),
    captureTriggers: await q("SELECT count(*) AS n FROM pg_trigger WHERE tgname LIKE 'pgtrickle_capture_%'"),
    buffers: await q("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'pgtrickle_changes'"),
  };
}

for (const major of pgVersions()) {
  describe(`errors and faults on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;
    let backendPid: number;
    let postmasterStart: string;

    beforeAll(async () => {
      client = database.client;
      // Tiny tables: AUTO's cost model could predict FULL cheaper on a few milliseconds of noise.
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
      await client.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int)");
      await client.query("INSERT INTO items SELECT g, g % 3, g FROM generate_series(1, 50) g");
      const r = await client.query("SELECT pg_backend_pid() AS pid, pg_postmaster_start_time()::text AS started");
      backendPid = r.rows[0].pid;
      postmasterStart = r.rows[0].started;
    });

    it("reports a syntax error in the defining query with 42601 and its position in that query", async () => {
      const err = await errorOf(() => create(client, "bad", "SELECT id FORM items"));
      expect(err.code).toBe("42601");
      expect(err.message).toBe('syntax error at or near "items"');
      expect(err.internalQuery).toBe("SELECT id FORM items");
      expect(err.internalPosition).toBe("16");
    });

    it("reports an unknown table with 42P01 and an unknown column with 42703", async () => {
      const table = await errorOf(() => create(client, "bad", "SELECT a FROM nowhere"));
      expect(table.code).toBe("42P01");
      expect(table.message).toBe('relation "nowhere" does not exist');
      expect(table.internalPosition).toBe("15");
      const column = await errorOf(() => create(client, "bad", "SELECT nope FROM items"));
      expect(column.code).toBe("42703");
      expect(column.internalPosition).toBe("8");
    });

    it("rejects an unsupported construct in DIFFERENTIAL mode with 0A000, its position and a HINT", async () => {
      const query = "SELECT grp, sum(val) AS a FROM items WHERE random() < 2 GROUP BY grp";
      const err = await errorOf(() => create(client, "bad", query));
      expect(err.code).toBe("0A000");
      expect(err.message).toBe("volatile function random() is not supported in DIFFERENTIAL mode");
      expect(err.hint).toMatch(/refresh_mode => 'FULL'/);
      expect(err.internalPosition).toBe(String(query.indexOf("random") + 1));
      const limit = await errorOf(() => create(client, "bad", "SELECT id FROM items LIMIT 3"));
      expect(limit.code).toBe("0A000");
      expect(limit.message).toBe("LIMIT without ORDER BY is not supported in DIFFERENTIAL mode");
    });

    it("falls back to FULL with a WARNING in AUTO mode and stays correct", async () => {
      const warnings: string[] = [];
      const onNotice = (n: { severity?: string; message?: string }) => warnings.push(`${n.severity}: ${n.message}`);
      client.on("notice", onNotice);
      const query = "SELECT grp, avg(val) AS a FROM items WHERE random() < 2 GROUP BY grp";
      await create(client, "auto_avg", query, "AUTO");
      client.off("notice", onNotice);
      expect(warnings).toEqual(['WARNING: stream table "auto_avg" will use FULL refresh: volatile function random() is not supported in DIFFERENTIAL mode']);
      const row = await client.query("SELECT refresh_mode, requested_mode, downgrade_reason FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'auto_avg'");
      expect(row.rows[0]).toEqual({ refresh_mode: "FULL", requested_mode: "AUTO", downgrade_reason: "volatile function random() is not supported in DIFFERENTIAL mode" });
      await client.query("UPDATE items SET val = val * 2 WHERE id < 10");
      expect(await refresh(client, "auto_avg")).toBe("FULL");
      await expectMatchesQuery(client, "auto_avg", ["grp", "a"], query);
      await client.query("SELECT pgtrickle.drop_stream_table('auto_avg')");
    });

    it("accepts a volatile function under pg_trickle.volatile_function_policy = warn or allow, and warns about stable ones", async () => {
      const warnings: string[] = [];
      const onNotice = (n: { severity?: string; message?: string }) => { if (n.severity === "WARNING") warnings.push(n.message ?? ""); };
      client.on("notice", onNotice);
      try {
        const query = "SELECT id, val + floor(random() * 0)::int AS v FROM items";
        await client.query("SET pg_trickle.volatile_function_policy = 'warn'");
        await create(client, "volatile_warn", query, "DIFFERENTIAL");
        await client.query("SET pg_trickle.volatile_function_policy = 'allow'");
        await create(client, "volatile_allow", query, "DIFFERENTIAL");
        await client.query("RESET pg_trickle.volatile_function_policy");
        expect((await errorOf(() => create(client, "bad", query, "DIFFERENTIAL"))).code).toBe("0A000");
        await create(client, "stable_warn", "SELECT id, to_char(val, '999') AS t FROM items", "DIFFERENTIAL");
        expect(warnings).toEqual([
          'stream table "volatile_warn": volatile function random() is evaluated again only for the rows a refresh changes, so the stream table can differ from a fresh run of its query',
          'stream table "stable_warn": stable function to_char() is evaluated again only for the rows a refresh changes: if its result depends on a setting (TimeZone, DateStyle, search_path, ...) that changes, rows computed before keep the old result',
        ]);
        // Accepted means maintained: this volatile expression is deterministic, so the oracle holds.
        await client.query("UPDATE items SET val = val + 1 WHERE id < 5");
        for (const name of ["volatile_warn", "volatile_allow"]) {
          expect(await refresh(client, name)).toBe("DIFFERENTIAL");
          await expectMatchesQuery(client, name, ["id", "v"], query);
        }
        const setting = await client.query("SELECT setting, enumvals::text FROM pg_settings WHERE name = 'pg_trickle.volatile_function_policy'");
        expect(setting.rows[0]).toEqual({ setting: "reject", enumvals: "{reject,warn,allow}" });
      } finally {
        client.off("notice", onNotice);
        await client.query("RESET pg_trickle.volatile_function_policy");
      }
      for (const name of ["volatile_warn", "volatile_allow", "stable_warn"]) await client.query("SELECT pgtrickle.drop_stream_table($1)", [name]);
    });

    it("reports its plan through the engine's log import at DEBUG1", async () => {
      const messages: string[] = [];
      const onNotice = (n: { severity?: string; message?: string }) => messages.push(`${n.severity}: ${n.message}`);
      client.on("notice", onNotice);
      await client.query("SET client_min_messages = debug1");
      await createStreamTable(client, "logged", "SELECT grp, count(*) AS n FROM items WHERE val > 0 GROUP BY grp");
      await client.query("RESET client_min_messages");
      client.off("notice", onNotice);
      expect(messages).toContain('DEBUG: pg_trickle: stream table "public"."logged" uses DIFFERENTIAL refresh; operator tree Aggregate(Filter(Scan(public.items)))');
      await client.query("SELECT pgtrickle.drop_stream_table('logged')");
    });

    it("rejects bad arguments with 22023, an existing name with 42P07, and reserved or duplicate column names", async () => {
      expect((await errorOf(() => create(client, "x", "SELECT id FROM items", "SOMETIMES"))).code).toBe("22023");
      expect((await errorOf(() => create(client, "x", "SELECT id FROM items LIMIT 1", "IMMEDIATE"))).code).toBe("0A000");
      const nullSchedule = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x', 'SELECT id FROM items', schedule => NULL)"));
      expect(nullSchedule.code).toBe("22023");
      expect(nullSchedule.hint).toMatch(/calculated/);
      expect((await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x', 'SELECT id FROM items', schedule => '1x')"))).code).toBe("22023");
      expect((await errorOf(() => client.query("SELECT pgtrickle.create_stream_table(NULL, 'SELECT 1')"))).code).toBe("22023");
      expect((await errorOf(() => create(client, "items", "SELECT id FROM items"))).code).toBe("42P07");
      expect((await errorOf(() => create(client, "x", "SELECT id AS __pgt_id FROM items"))).code).toBe("42939");
      expect((await errorOf(() => create(client, "x", "SELECT id, val AS id FROM items"))).code).toBe("42701");
      expect((await errorOf(() => create(client, "x", "SELECT 1; SELECT 2"))).code).toBe("42601");
      expect((await errorOf(() => create(client, "x", "DELETE FROM items"))).code).toBe("42601");
      expect((await errorOf(() => client.query("SELECT pgtrickle.refresh_stream_table('nope')"))).code).toBe("42P01");
      expect((await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x', 'SELECT id FROM items', partition_by => 'id')"))).code).toBe("0A000");
      expect((await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x', 'SELECT id FROM items', diamond_consistency => 'some')"))).code).toBe("22023");
      expect(await leftovers(client)).toEqual({ streamTables: 0, dependencies: 0, captureTriggers: 0, buffers: 0 });
    });

    it("leaves nothing behind when the initial population fails halfway", async () => {
      const err = await errorOf(() => create(client, "fails", "SELECT id, 10 / (val - val) AS boom FROM items"));
      expect(err.code).toBe("22012");
      expect(await leftovers(client)).toEqual({ streamTables: 0, dependencies: 0, captureTriggers: 0, buffers: 0 });
      expect((await client.query("SELECT to_regclass('fails') AS t")).rows[0].t).toBeNull();
    });

    it("rejects direct DML and TRUNCATE on a stream table with 42809", async () => {
      await createStreamTable(client, "guarded", "SELECT id, val FROM items");
      for (const sql of ["INSERT INTO guarded VALUES (1, 1)", "UPDATE guarded SET val = 0", "DELETE FROM guarded", "TRUNCATE guarded"]) {
        const err = await errorOf(() => client.query(sql));
        expect(err.code).toBe("42809");
        expect(err.message).toBe('cannot modify stream table "guarded" directly');
      }
      await expectMatchesQuery(client, "guarded", ["id", "val"], "SELECT id, val FROM items");
    });

    it("turns an engine memory overrun into a clean 53200 and keeps the session usable", async () => {
      const wide = Array.from({ length: 1000 }, (_, i) => `val + ${i} AS c${i}`).join(", ");
      const big = `SELECT id, ${wide} FROM items`;
      await client.query("SET pg_trickle.engine_max_memory_mb = 1");
      const err = await errorOf(() => create(client, "huge", big));
      expect(err.code).toBe("53200");
      expect(err.message).toBe("pg_trickle engine ran out of memory");
      expect(err.hint).toMatch(/pg_trickle\.engine_max_memory_mb/);
      await client.query("RESET pg_trickle.engine_max_memory_mb");
      await createStreamTable(client, "huge", big);
      await expectMatchesQuery(client, "huge", ["id", "c0", "c999"], big);
    });

    it("refuses a query nested hundreds of levels deep with 54000 and keeps working", async () => {
      const deep = `SELECT id, ${"(val + ".repeat(500)}1${")".repeat(500)} AS d FROM items`;
      const err = await errorOf(() => create(client, "deep", deep));
      expect(err.code).toBe("54000");
      expect(err.message).toBe("query is too complex");
      await createStreamTable(client, "shallow", "SELECT id, (val + (val + 1)) AS d FROM items");
    });

    it("turns an exhausted engine stack into a clean ERROR and keeps working", async () => {
      const nested = `SELECT id, ${"(val + ".repeat(300)}1${")".repeat(300)} AS d FROM items`;
      await client.query("SET max_stack_depth = '100kB'");
      const err = await errorOf(() => create(client, "nested", nested));
      expect(["54000", "54001"]).toContain(err.code);
      await client.query("RESET max_stack_depth");
      await createStreamTable(client, "nested", nested);
      await expectMatchesQuery(client, "nested", ["id", "d"], nested);
    });

    it("never restarted the server or lost the session", async () => {
      const r = await client.query("SELECT pg_backend_pid() AS pid, pg_postmaster_start_time()::text AS started");
      expect(r.rows[0]).toEqual({ pid: backendPid, started: postmasterStart });
    });

    it("drops a stream table with its capture only when no other stream table reads the source", async () => {
      for (const name of ["guarded", "huge", "shallow", "nested"]) await client.query("SELECT pgtrickle.drop_stream_table($1)", [name]);
      await createStreamTable(client, "one", "SELECT id, val FROM items WHERE val > 3");
      await createStreamTable(client, "two", "SELECT grp, count(*) AS n FROM items GROUP BY grp");
      await client.query("SELECT pgtrickle.drop_stream_table('one')");
      expect(await leftovers(client)).toEqual({ streamTables: 1, dependencies: 1, captureTriggers: 4, buffers: 1 });
      await client.query("INSERT INTO items VALUES (100, 1, 1)");
      expect(await refresh(client, "two")).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, "two", ["grp", "n"], "SELECT grp, count(*) AS n FROM items GROUP BY grp");
      await client.query("SELECT pgtrickle.drop_stream_table('two')");
      expect(await leftovers(client)).toEqual({ streamTables: 0, dependencies: 0, captureTriggers: 0, buffers: 0 });
      expect((await client.query("SELECT to_regclass('two') AS t")).rows[0].t).toBeNull();
      expect((await errorOf(() => client.query("SELECT pgtrickle.drop_stream_table('two')"))).code).toBe("42P01");
    });

    it("forgets a stream table dropped with DROP TABLE, and marks readers of a dropped source ERROR", async () => {
      await client.query("CREATE TABLE scratch (id int PRIMARY KEY, v int)");
      await client.query("INSERT INTO scratch VALUES (1, 1), (2, 2)");
      await createStreamTable(client, "direct_drop", "SELECT id, v FROM scratch");
      await createStreamTable(client, "reader", "SELECT v, count(*) AS n FROM scratch GROUP BY v");
      await client.query("DROP TABLE direct_drop");
      const names = await client.query("SELECT pgt_name FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('direct_drop', 'reader') ORDER BY 1");
      expect(names.rows.map((r) => r.pgt_name)).toEqual(["reader"]);
      expect((await client.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'scratch'::regclass AND tgname LIKE 'pgtrickle_capture_%'")).rows[0].n).toBe(4);
      await client.query("DROP TABLE scratch");
      const reader = await client.query("SELECT status, last_error_message FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'reader'");
      expect(reader.rows[0]).toEqual({ status: "ERROR", last_error_message: "source table public.scratch was dropped" });
      const buffers = await client.query("SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = 'pgtrickle_changes'::regnamespace");
      expect(buffers.rows[0].n).toBe(0);
      expect((await errorOf(() => client.query("SELECT pgtrickle.refresh_stream_table('reader')"))).code).toBe("42P01");
      await client.query("SELECT pgtrickle.drop_stream_table('reader')");
    });

    it("blocks dropping a stream table another one reads, unless cascade => true", async () => {
      await createStreamTable(client, "upstream", "SELECT grp, count(*) AS n FROM items GROUP BY grp");
      await createStreamTable(client, "downstream", "SELECT max(n) AS most FROM upstream", "FULL");
      const err = await errorOf(() => client.query("SELECT pgtrickle.drop_stream_table('upstream')"));
      expect(err.code).toBe("2BP01");
      expect(err.detail).toBe('Stream tables reading it: public.downstream.');
      await client.query("SELECT pgtrickle.drop_stream_table('upstream', cascade => true)");
      const left = await client.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('upstream', 'downstream')");
      expect(left.rows[0].n).toBe(0);
      expect((await client.query("SELECT to_regclass('downstream') AS t")).rows[0].t).toBeNull();
    });

    it("alters refresh mode, schedule and status, and validates what it is given", async () => {
      await createStreamTable(client, "alt", "SELECT grp, sum(val) AS s FROM items GROUP BY grp");
      const settings = async () => (await client.query("SELECT refresh_mode, requested_mode, schedule, status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt'")).rows[0];
      await client.query("SELECT pgtrickle.alter_stream_table('alt', refresh_mode => 'FULL', schedule => '5m')");
      expect(await settings()).toEqual({ refresh_mode: "FULL", requested_mode: "FULL", schedule: "5m", status: "ACTIVE" });
      await client.query("UPDATE items SET val = val + 1 WHERE id = 3");
      expect(await refresh(client, "alt")).toBe("FULL");
      await client.query("SELECT pgtrickle.alter_stream_table('alt', refresh_mode => 'incremental', status => 'suspended')");
      expect(await settings()).toEqual({ refresh_mode: "DIFFERENTIAL", requested_mode: "DIFFERENTIAL", schedule: "5m", status: "SUSPENDED" });
      await client.query("UPDATE items SET val = val + 1 WHERE id = 4");
      expect(await refresh(client, "alt")).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, "alt", ["grp", "s"], "SELECT grp, sum(val) AS s FROM items GROUP BY grp");
      expect((await errorOf(() => client.query("SELECT pgtrickle.alter_stream_table('alt', status => 'paused')"))).code).toBe("22023");
      expect((await errorOf(() => client.query("SELECT pgtrickle.alter_stream_table('alt', schedule => '0s')"))).code).toBe("22023");
      expect((await errorOf(() => client.query("SELECT pgtrickle.alter_stream_table('alt', query => 'SELECT 1')"))).code).toBe("0A000");
      expect((await errorOf(() => client.query("SELECT pgtrickle.alter_stream_table('alt', tier => 'hot')"))).code).toBe("0A000");
      await createStreamTable(client, "alt_full", "SELECT grp, max(val) AS m FROM items WHERE random() < 2 GROUP BY grp", "FULL");
      const err = await errorOf(() => client.query("SELECT pgtrickle.alter_stream_table('alt_full', refresh_mode => 'DIFFERENTIAL')"));
      expect(err.code).toBe("0A000");
      expect(err.message).toBe("volatile function random() is not supported in DIFFERENTIAL mode");
    });
  });
}
