/**
 * @fileoverview The monitoring surface on live PostgreSQL: every function and view of SQL API §2
 * returns the real state of real stream tables — pending changes are exactly what the next refresh
 * consumes, history and staleness match the catalog, health checks flag what is wrong, names
 * resolve like table names and unknown ones fail with 42P01.
 *
 * Stream tables get a '1h' schedule so that a scheduler, once one runs on the test clusters, has
 * no reason to refresh them during a test; states a scheduler would react to are set inside a
 * transaction that is rolled back.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { errorOf, refresh, waitFor, withExtensionDatabase } from "./oracle.ts";

for (const major of pgVersions()) {
  describe(`monitoring on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    beforeAll(async () => {
      client = database.client;
      // These tables are tiny: with refresh_strategy auto, a few milliseconds of noise in their
      // history can make AUTO's cost model predict FULL cheaper (tests/integration/auto-choice.test.ts covers it).
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });

    async function rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
      return (await client.query(sql, params)).rows;
    }

    async function scalar(sql: string, params: unknown[] = []): Promise<unknown> {
      return (await client.query({ text: sql, values: params, rowMode: "array" })).rows[0]?.[0];
    }

    async function create(name: string, query: string, options = ""): Promise<void> {
      await client.query(`SELECT pgtrickle.create_stream_table($1, $2, schedule => '1h'${options})`, [name, query]);
    }

    /** What health_check says, as check name → "SEVERITY: detail". */
    async function health(): Promise<Record<string, string>> {
      const checks = await rows("SELECT check_name, severity, detail FROM pgtrickle.health_check()");
      return Object.fromEntries(checks.map((c) => [c.check_name, `${c.severity}: ${c.detail}`]));
    }

    /** Whether the scheduler this database would be served by is running, as the functions must see it. */
    async function schedulerRunning(): Promise<boolean> {
      return (await scalar(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                              WHERE backend_type = 'pg_trickle scheduler' AND datname = current_database())`)) as boolean;
    }

    async function pending(streamTable: string): Promise<unknown[]> {
      const result = await rows("SELECT pending_rows FROM pgtrickle.change_buffer_sizes() WHERE stream_table = $1 ORDER BY source_table", [streamTable]);
      return result.map((r) => r.pending_rows);
    }

    /** The changes the latest refresh of `name` consumed. */
    async function lastDeltaRowCount(name: string): Promise<string> {
      return (await scalar(`SELECT h.delta_row_count FROM pgtrickle.pgt_refresh_history h
                              JOIN pgtrickle.pgt_stream_tables s USING (pgt_id)
                             WHERE s.pgt_relid = to_regclass($1) ORDER BY h.refresh_id DESC LIMIT 1`, [name])) as string;
    }

    it("reports an empty installation as EMPTY and healthy", async () => {
      // The launcher may start this database's scheduler at any moment: compare within one statement.
      expect(await rows(`SELECT q.*, q.scheduler_running = EXISTS (SELECT 1 FROM pg_stat_activity
                                  WHERE backend_type = 'pg_trickle scheduler' AND datname = current_database()) AS agrees
                           FROM pgtrickle.quick_health AS q`)).toEqual([
        { total_stream_tables: "0", error_tables: "0", stale_tables: "0", scheduler_running: expect.any(Boolean), status: "EMPTY", agrees: true },
      ]);
      const checks = await rows("SELECT check_name, severity FROM pgtrickle.health_check()");
      expect(checks).toEqual(["scheduler_running", "error_tables", "suspended_tables", "stale_tables", "buffer_growth", "needs_reinit"]
        .map((check_name) => ({ check_name, severity: "OK" })));
      for (const sql of ["SELECT * FROM pgtrickle.pgt_status()", "SELECT * FROM pgtrickle.dependency_tree()", "SELECT * FROM pgtrickle.refresh_timeline()",
        "SELECT * FROM pgtrickle.change_buffer_sizes()", "SELECT * FROM pgtrickle.pgt_cdc_status", "SELECT * FROM pgtrickle.stream_tables_info"]) {
        expect(await rows(sql), sql).toEqual([]);
      }
    });

    it("lists stream tables, including one that reads another, with their state and sources", async () => {
      await client.query(`CREATE TABLE orders (id serial PRIMARY KEY, customer text, amount numeric(10,2), status text);
        CREATE TABLE customers (name text PRIMARY KEY, city text);
        INSERT INTO orders (customer, amount, status) VALUES ('alice', 10.00, 'new'), ('bob', 20.00, 'paid'), ('alice', 5.50, 'paid');
        INSERT INTO customers VALUES ('alice', 'Oslo'), ('bob', 'Rome')`);
      await create("order_totals", "SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer", ", refresh_mode => 'DIFFERENTIAL'");
      // A stream table reading another; LIMIT keeps it FULL (and its upstream uncaptured).
      await create("big_customers", "SELECT customer, total FROM order_totals WHERE total > 10 LIMIT 100");
      await create("customer_orders", "SELECT c.city, o.amount FROM orders o JOIN customers c ON c.name = o.customer WHERE random() >= 0", ", refresh_mode => 'FULL'");
      await create("paid_orders", "SELECT id, customer, amount FROM orders WHERE status = 'paid'", ", initialize => false");

      expect(await rows(`SELECT name, status, refresh_mode, is_populated, consecutive_errors, schedule, staleness IS NOT NULL AS has_staleness, scc_id
                           FROM pgtrickle.pgt_status()`)).toEqual([
        { name: "public.big_customers", status: "ACTIVE", refresh_mode: "FULL", is_populated: true, consecutive_errors: 0, schedule: "1h", has_staleness: true, scc_id: null },
        { name: "public.customer_orders", status: "ACTIVE", refresh_mode: "FULL", is_populated: true, consecutive_errors: 0, schedule: "1h", has_staleness: true, scc_id: null },
        { name: "public.order_totals", status: "ACTIVE", refresh_mode: "DIFFERENTIAL", is_populated: true, consecutive_errors: 0, schedule: "1h", has_staleness: true, scc_id: null },
        { name: "public.paid_orders", status: "INITIALIZING", refresh_mode: "DIFFERENTIAL", is_populated: false, consecutive_errors: 0, schedule: "1h", has_staleness: false, scc_id: null },
      ]);
      expect(await rows(`SELECT name, pgt_schema, pgt_name, requested_mode, stale, sources, downgrade_reason,
                                data_timestamp = (SELECT data_timestamp FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = i.pgt_id) AS same_timestamp
                           FROM pgtrickle.stream_tables_info i ORDER BY pgt_id`)).toEqual([
        { name: "public.order_totals", pgt_schema: "public", pgt_name: "order_totals", requested_mode: "DIFFERENTIAL", stale: false,
          sources: ["public.orders"], downgrade_reason: null, same_timestamp: true },
        { name: "public.big_customers", pgt_schema: "public", pgt_name: "big_customers", requested_mode: "AUTO", stale: false,
          sources: ["public.order_totals"], downgrade_reason: "LIMIT without ORDER BY is not supported in DIFFERENTIAL mode", same_timestamp: true },
        { name: "public.customer_orders", pgt_schema: "public", pgt_name: "customer_orders", requested_mode: "FULL", stale: false,
          sources: ["public.customers", "public.orders"], downgrade_reason: "volatile function random() is not supported in DIFFERENTIAL mode", same_timestamp: true },
        { name: "public.paid_orders", pgt_schema: "public", pgt_name: "paid_orders", requested_mode: "AUTO", stale: null,
          sources: ["public.orders"], downgrade_reason: null, same_timestamp: null },
      ]);
    });

    it("draws the dependency tree, recursing into a stream table that reads another", async () => {
      const tree = await rows("SELECT tree_line, node, node_type, depth, status, refresh_mode FROM pgtrickle.dependency_tree()");
      expect(tree.map((r) => r.tree_line)).toEqual([
        "public.big_customers",
        "`-- public.order_totals",
        "    `-- public.orders",
        "public.customer_orders",
        "|-- public.customers",
        "`-- public.orders",
        "public.paid_orders",
        "`-- public.orders",
      ]);
      expect(tree.slice(0, 3)).toEqual([
        { tree_line: "public.big_customers", node: "public.big_customers", node_type: "STREAM_TABLE", depth: 0, status: "ACTIVE", refresh_mode: "FULL" },
        { tree_line: "`-- public.order_totals", node: "public.order_totals", node_type: "STREAM_TABLE", depth: 1, status: "ACTIVE", refresh_mode: "DIFFERENTIAL" },
        { tree_line: "    `-- public.orders", node: "public.orders", node_type: "TABLE", depth: 2, status: null, refresh_mode: null },
      ]);
    });

    it("counts exactly the pending changes the next refresh consumes", async () => {
      await client.query("INSERT INTO orders (customer, amount, status) VALUES ('carol', 7.25, 'paid'); UPDATE orders SET amount = 12.00 WHERE id = 2");
      const bufferRows = Number(await scalar(`SELECT count(*) FROM pgtrickle_changes."changes_${await scalar("SELECT 'orders'::regclass::oid")}"`));
      expect(bufferRows).toBe(3); // one insert, an update as delete + insert
      const sizes = await rows(`SELECT stream_table, source_table, source_oid = 'orders'::regclass::oid::bigint AS right_oid, cdc_mode, pending_rows,
                                       buffer_bytes = pg_total_relation_size('pgtrickle_changes.changes_' || 'orders'::regclass::oid) AS right_bytes
                                  FROM pgtrickle.change_buffer_sizes()`);
      expect(sizes).toEqual([
        { stream_table: "public.big_customers", source_table: "public.order_totals", right_oid: false, cdc_mode: "none", pending_rows: null, right_bytes: null },
        { stream_table: "public.customer_orders", source_table: "public.customers", right_oid: false, cdc_mode: "none", pending_rows: null, right_bytes: null },
        { stream_table: "public.customer_orders", source_table: "public.orders", right_oid: true, cdc_mode: "none", pending_rows: null, right_bytes: null },
        // A never-refreshed stream table (NULL frontier) has every buffered change pending.
        { stream_table: "public.order_totals", source_table: "public.orders", right_oid: true, cdc_mode: "trigger", pending_rows: "3", right_bytes: true },
        { stream_table: "public.paid_orders", source_table: "public.orders", right_oid: true, cdc_mode: "trigger", pending_rows: "3", right_bytes: true },
      ]);

      expect(await refresh(client, "order_totals")).toBe("DIFFERENTIAL");
      expect(await lastDeltaRowCount("order_totals")).toBe("3");
      expect(await pending("public.order_totals")).toEqual(["0"]);
      expect(await pending("public.paid_orders")).toEqual(["3"]);
      expect(await refresh(client, "paid_orders")).toBe("FULL");
      expect(await pending("public.paid_orders")).toEqual(["0"]);

      // Inside the transaction that refreshed: its later changes are pending (frontier own_xid, own_seq).
      await client.query("BEGIN");
      await client.query("INSERT INTO orders (customer, amount, status) VALUES ('dave', 1.00, 'new')");
      await refresh(client, "order_totals");
      await client.query("INSERT INTO orders (customer, amount, status) VALUES ('erin', 2.00, 'new'); DELETE FROM orders WHERE customer = 'dave'");
      expect(await pending("public.order_totals")).toEqual(["2"]);
      expect(await pending("public.paid_orders")).toEqual(["3"]);
      await client.query("COMMIT");
      expect(await pending("public.order_totals")).toEqual(["2"]);
      expect(await refresh(client, "order_totals")).toBe("DIFFERENTIAL");
      expect(await lastDeltaRowCount("order_totals")).toBe("2");
      expect(await pending("public.order_totals")).toEqual(["0"]);
    });

    it("shows each captured source's buffer, triggers, consumers and largest backlog", async () => {
      const status = async () => rows(`SELECT source_table, source_oid = 'orders'::regclass::oid::bigint AS right_oid, buffer_table, capture_triggers,
                                              triggers_enabled, consumers, pending_rows, buffer_bytes > 0 AS has_bytes FROM pgtrickle.pgt_cdc_status`);
      const oid = await scalar("SELECT 'orders'::regclass::oid::text");
      const expected = {
        source_table: "public.orders", right_oid: true, buffer_table: `pgtrickle_changes.changes_${oid}`,
        capture_triggers: ["pgtrickle_capture_delete", "pgtrickle_capture_insert", "pgtrickle_capture_truncate", "pgtrickle_capture_update"],
        triggers_enabled: true, consumers: ["public.order_totals", "public.paid_orders"], pending_rows: "3", has_bytes: true,
      };
      // paid_orders has not consumed the three changes of the previous test's transaction.
      expect(await status()).toEqual([expected]);
      await client.query("ALTER TABLE orders DISABLE TRIGGER pgtrickle_capture_truncate");
      expect(await status()).toEqual([{ ...expected, triggers_enabled: false }]);
      await client.query("ALTER TABLE orders ENABLE TRIGGER pgtrickle_capture_truncate");
      expect(await status()).toEqual([expected]);
    });

    it("returns a stream table's refresh history and the timeline of all refreshes, newest first", async () => {
      const history = await rows(`SELECT refresh_id, action, status, rows_inserted, rows_deleted, error_message,
                                         duration_ms = (extract(epoch FROM end_time - start_time) * 1000)::float8 AS right_duration,
                                         data_timestamp IS NOT NULL AS has_timestamp
                                    FROM pgtrickle.get_refresh_history('order_totals')`);
      expect(history.map(({ refresh_id, ...rest }) => rest)).toEqual([
        // erin inserted and dave deleted after the refresh inside the transaction; dave inserted before it.
        { action: "DIFFERENTIAL", status: "COMPLETED", rows_inserted: "1", rows_deleted: "1", error_message: null, right_duration: true, has_timestamp: true },
        { action: "DIFFERENTIAL", status: "COMPLETED", rows_inserted: "1", rows_deleted: "0", error_message: null, right_duration: true, has_timestamp: true },
        { action: "DIFFERENTIAL", status: "COMPLETED", rows_inserted: "2", rows_deleted: "1", error_message: null, right_duration: true, has_timestamp: true },
        { action: "FULL", status: "COMPLETED", rows_inserted: "2", rows_deleted: "0", error_message: null, right_duration: true, has_timestamp: true },
      ]);
      const ids = history.map((r) => Number(r.refresh_id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect((await rows("SELECT action FROM pgtrickle.get_refresh_history('public.order_totals', max_rows => 2)")).map((r) => r.action))
        .toEqual(["DIFFERENTIAL", "DIFFERENTIAL"]);

      const timeline = await rows("SELECT stream_table, action, rows_inserted FROM pgtrickle.refresh_timeline(3)");
      expect(timeline).toEqual([
        { stream_table: "public.order_totals", action: "DIFFERENTIAL", rows_inserted: "1" },
        { stream_table: "public.order_totals", action: "DIFFERENTIAL", rows_inserted: "1" },
        { stream_table: "public.paid_orders", action: "FULL", rows_inserted: "3" },
      ]);
      const total = Number(await scalar("SELECT count(*) FROM pgtrickle.pgt_refresh_history"));
      expect((await rows("SELECT * FROM pgtrickle.refresh_timeline()")).length).toBe(total);
    });

    it("gives staleness in seconds since data_timestamp, NULL before the first refresh", async () => {
      await create("later", "SELECT id FROM orders", ", initialize => false");
      expect(await scalar("SELECT pgtrickle.get_staleness('later')")).toBeNull();
      await client.query("BEGIN");
      try {
        // now() is fixed within the transaction, so both sides see the same instant.
        expect(await scalar(`SELECT pgtrickle.get_staleness('order_totals')
                                  = extract(epoch FROM now() - data_timestamp)::float8
                               FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'order_totals'`)).toBe(true);
        await client.query("UPDATE pgtrickle.pgt_stream_tables SET data_timestamp = now() - interval '90 minutes' WHERE pgt_name = 'order_totals'");
        expect(await scalar("SELECT pgtrickle.get_staleness('public.order_totals')")).toBe(5400);
      } finally {
        await client.query("ROLLBACK");
      }
      await client.query("SELECT pgtrickle.drop_stream_table('later')");
    });

    it("explains the refresh mode: configured, in effect, and why not differential", async () => {
      expect(await rows("SELECT * FROM pgtrickle.explain_refresh_mode('big_customers')")).toEqual([
        { configured_mode: "AUTO", effective_mode: "FULL", downgrade_reason: "LIMIT without ORDER BY is not supported in DIFFERENTIAL mode" },
      ]);
      expect(await rows("SELECT * FROM pgtrickle.explain_refresh_mode('order_totals')")).toEqual([
        { configured_mode: "DIFFERENTIAL", effective_mode: "DIFFERENTIAL", downgrade_reason: null },
      ]);
      expect(await rows("SELECT * FROM pgtrickle.explain_refresh_mode('paid_orders')")).toEqual([
        { configured_mode: "AUTO", effective_mode: "FULL", downgrade_reason: null },
      ]);
    });

    it("explains how a stream table is maintained, from its catalog row and refresh program", async () => {
      const explained = await rows("SELECT property, value FROM pgtrickle.explain_st('order_totals')");
      const property = Object.fromEntries(explained.map((r) => [r.property, r.value]));
      expect(explained.map((r) => r.property)).toEqual(["defining_query", "original_query", "refresh_mode", "requested_mode", "status", "schedule",
        "operator_tree", "output_columns", "delta_query", "full_query", "frontier", "sources", "dependency_graph_dot"]);
      const row = (await rows(`SELECT defining_query, frontier::text AS frontier, refresh_program->>'operatorTree' AS tree,
                                      refresh_program->'differential' AS delta, refresh_program->'full' AS full
                                 FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'order_totals'`))[0];
      expect(property).toMatchObject({
        defining_query: row.defining_query, original_query: row.defining_query, refresh_mode: "DIFFERENTIAL", requested_mode: "DIFFERENTIAL",
        status: "ACTIVE", schedule: "1h", operator_tree: "Aggregate(Scan(public.orders))", output_columns: "customer text, n bigint, total numeric",
        delta_query: (row.delta as { sql: string }[]).map((s) => `${s.sql};`).join("\n\n"), frontier: row.frontier, sources: "public.orders (TABLE, cdc trigger)",
        full_query: (row.full as { sql: string }[]).map((s) => `${s.sql};`).join("\n\n"),
        dependency_graph_dot: 'digraph pg_trickle {\n  "public.order_totals" [shape=box];\n  "public.orders" -> "public.order_totals";\n}',
      });
      expect(property.full_query).toMatch(/^TRUNCATE "public"\."order_totals";/);

      const upstream = Object.fromEntries((await rows("SELECT property, value FROM pgtrickle.explain_st('big_customers')")).map((r) => [r.property, r.value]));
      expect(upstream).toMatchObject({ refresh_mode: "FULL", requested_mode: "AUTO", operator_tree: "Full(query)", delta_query: null,
        sources: "public.order_totals (STREAM_TABLE, cdc none)" });
      expect(upstream.dependency_graph_dot).toBe([
        "digraph pg_trickle {",
        '  "public.big_customers" [shape=box];',
        '  "public.order_totals" [shape=box];',
        '  "public.order_totals" -> "public.big_customers";',
        '  "public.orders" -> "public.order_totals";',
        "}",
      ].join("\n"));
    });

    it("adds EXPLAIN ANALYZE of the defining query, under the search_path it was created with", async () => {
      await client.query("CREATE SCHEMA app; CREATE TABLE app.nums (n int); INSERT INTO app.nums SELECT generate_series(1, 20)");
      await client.query("SET search_path = app, public");
      await create("top_nums", "SELECT n FROM nums ORDER BY n DESC LIMIT 3; -- the three largest");
      await client.query("RESET search_path");
      const explained = await rows("SELECT property, value FROM pgtrickle.explain_st('app.top_nums', with_analyze => true)");
      expect(explained.at(-1)?.property).toBe("explain_analyze");
      const plan = explained.at(-1)?.value as string;
      expect(plan).toMatch(/^Limit .*actual time=/);
      expect(plan).toMatch(/Seq Scan on nums .*actual time=.* rows=20/);
      expect(plan).toMatch(/\nExecution Time: [0-9.]+ ms$/);
      expect((await client.query("SHOW search_path")).rows[0].search_path).toBe('"$user", public');
      const withoutAnalyze = await rows("SELECT property FROM pgtrickle.explain_st('app.top_nums', false)");
      expect(withoutAnalyze.map((r) => r.property)).not.toContain("explain_analyze");
    });

    it("resolves names like table names and rejects unknown ones with 42P01, NULL with 22023", async () => {
      await client.query("SET search_path = app, public");
      expect(await scalar("SELECT count(*) FROM pgtrickle.get_refresh_history('top_nums')")).toBe("1");
      await client.query("RESET search_path");
      const calls = ["SELECT * FROM pgtrickle.get_refresh_history($1)", "SELECT pgtrickle.get_staleness($1)", "SELECT * FROM pgtrickle.explain_st($1)",
        "SELECT * FROM pgtrickle.explain_st($1, true)", "SELECT * FROM pgtrickle.explain_refresh_mode($1)"];
      for (const sql of calls) {
        for (const name of ["no_such_table", "top_nums", "orders"]) {
          const err = await errorOf(() => client.query(sql, [name]));
          expect({ sql, code: err.code, message: err.message, hint: err.hint }).toEqual({
            sql, code: "42P01", message: `stream table "${name}" does not exist`, hint: "pgtrickle.pgt_stream_tables lists the stream tables.",
          });
        }
        const err = await errorOf(() => client.query(sql, [null]));
        expect({ sql, code: err.code, message: err.message }).toEqual({ sql, code: "22023", message: "name must not be NULL" });
      }
    });

    it("flags stream tables in ERROR, SUSPENDED, stale or needing reinitialization", async () => {
      // Creating a stream table asks the launcher for this database's scheduler.
      await waitFor("the scheduler", schedulerRunning, 10000);
      const healthy = await health();
      expect(healthy.scheduler_running).toMatch(/^OK: the pg_trickle scheduler is running \(pid \d+\)$/);
      // Between a scheduler's exit and its restart (a second later) the check warns.
      await scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'pg_trickle scheduler' AND datname = current_database()");
      await waitFor("the scheduler to exit", async () => !(await schedulerRunning()), 5000);
      expect((await health()).scheduler_running)
        .toBe("WARN: no pg_trickle scheduler is running in this database: only refresh_stream_table refreshes");
      expect(healthy).toMatchObject({
        error_tables: "OK: no stream table is in status ERROR",
        suspended_tables: "OK: no stream table is SUSPENDED",
        stale_tables: "OK: no stream table is older than its schedule",
        buffer_growth: "OK: no stream table has more than 1000000 pending changes from a source",
        needs_reinit: "OK: no stream table needs reinitialization",
      });
      // No scheduler (yet): WARNING; with the restarted scheduler: OK.
      expect(await rows("SELECT * FROM pgtrickle.quick_health")).toEqual([
        { total_stream_tables: "5", error_tables: "0", stale_tables: "0", scheduler_running: false, status: "WARNING" },
      ]);
      await waitFor("the scheduler", schedulerRunning, 10000);
      expect(await rows("SELECT * FROM pgtrickle.quick_health")).toEqual([
        { total_stream_tables: "5", error_tables: "0", stale_tables: "0", scheduler_running: true, status: "OK" },
      ]);

      await client.query("BEGIN");
      try {
        await client.query(`UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error_message = 'boom' WHERE pgt_name = 'order_totals';
          UPDATE pgtrickle.pgt_stream_tables SET status = 'SUSPENDED' WHERE pgt_name IN ('paid_orders', 'customer_orders');
          UPDATE pgtrickle.pgt_stream_tables SET needs_reinit = true WHERE pgt_name = 'big_customers';
          UPDATE pgtrickle.pgt_stream_tables SET data_timestamp = now() - interval '2 hours' WHERE pgt_name = 'big_customers'`);
        expect(await health()).toMatchObject({
          error_tables: "ERROR: 1 stream table(s) in status ERROR: public.order_totals (boom)",
          suspended_tables: "WARN: 2 stream table(s) SUSPENDED: public.customer_orders, public.paid_orders",
          stale_tables: "WARN: 1 stream table(s) older than their schedule: public.big_customers (02:00:00 old, schedule 1h)",
          needs_reinit: "WARN: 1 stream table(s) need reinitialization: public.big_customers",
        });
        expect(await rows("SELECT error_tables, stale_tables, status FROM pgtrickle.quick_health")).toEqual([
          { error_tables: "1", stale_tables: "1", status: "CRITICAL" },
        ]);
        await client.query("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE' WHERE pgt_name = 'order_totals'");
        expect(await rows("SELECT error_tables, stale_tables, status FROM pgtrickle.quick_health")).toEqual([
          { error_tables: "0", stale_tables: "1", status: "WARNING" },
        ]);
      } finally {
        await client.query("ROLLBACK");
      }
    });

    it("warns about buffer growth past pg_trickle.max_buffer_rows until a refresh consumes it", async () => {
      // The setting does not exist yet; 1,000,000 (its documented default) applies until it does.
      const configured = await scalar("SELECT current_setting('pg_trickle.max_buffer_rows', true)");
      if (configured !== null) await client.query("SET pg_trickle.max_buffer_rows = 10");
      const limit = configured === null ? 1000000 : 10;
      await client.query("CREATE TABLE ticks (id int PRIMARY KEY)");
      await create("tick_count", "SELECT count(*) AS n FROM ticks", ", refresh_mode => 'DIFFERENTIAL'");
      await client.query("INSERT INTO ticks SELECT generate_series(1, $1::int)", [limit + 1]);
      expect((await health()).buffer_growth).toBe(`WARN: 1 stream table(s) with more than ${limit} pending changes from a source: `
        + `public.tick_count <- public.ticks (${limit + 1} rows)`);
      await refresh(client, "tick_count");
      expect(await lastDeltaRowCount("tick_count")).toBe(String(limit + 1));
      expect((await health()).buffer_growth).toBe(`OK: no stream table has more than ${limit} pending changes from a source`);
      await client.query("SELECT pgtrickle.drop_stream_table('tick_count'); DROP TABLE ticks; RESET ALL");
    });

    it("lets a role without privileges on the buffers or stream tables monitor them", async () => {
      const role = `${database.db.name}_monitor`;
      await client.query(`CREATE ROLE "${role}"`);
      try {
        await client.query(`SET ROLE "${role}"`);
        expect(await pending("public.paid_orders")).toEqual(["3"]);
        expect(await scalar("SELECT pending_rows FROM pgtrickle.pgt_cdc_status")).toBe("3");
        expect((await rows("SELECT * FROM pgtrickle.health_check()")).length).toBe(6);
        expect((await rows("SELECT * FROM pgtrickle.explain_st('order_totals')")).length).toBe(13);
        const err = await errorOf(() => client.query("SELECT pgtrickle._pending_changes('orders'::regclass, NULL)"));
        expect({ code: err.code, message: err.message }).toEqual({ code: "22023", message: "public.orders is not a pg_trickle change buffer" });
      } finally {
        await client.query("RESET ROLE");
        await client.query(`DROP ROLE "${role}"`);
      }
    });
  });
}
