/**
 * @fileoverview The background scheduler: stream tables refresh by themselves on their schedules,
 * commits wake the scheduler at once, failures are counted, suspend and alert, a manual refresh and
 * a scheduled one never overlap, a killed scheduler comes back and loses nothing, housekeeping
 * trims change buffers and history, and DROP DATABASE is not blocked by the scheduler.
 *
 * Test clusters run with pg_trickle.enabled = off; each database here turns its scheduler on with
 * ALTER DATABASE ... SET (applied by the scheduler at pg_reload_conf()).
 */
import { describe, expect, it } from "vitest";
import type pg from "pg";
import { connect, createFreshDatabase, pgVersions } from "../setup/pg.ts";
import { errorOf, expectMatchesQuery, matches, Random, randomItemsStatement, waitFor, withExtensionDatabase } from "./oracle.ts";

const ROWS = "SELECT id, grp, val FROM items WHERE val >= 0";
const ROW_COLS = ["id", "grp", "val"];
const TOTALS = "SELECT grp, count(*) AS n, sum(val) AS s FROM items GROUP BY grp";
const TOTAL_COLS = ["grp", "n", "s"];
const SEED = Number(process.env.PGTRICKLE_SEED ?? 20261121);

/** Turns this database's scheduler on (and applies `settings`) through ALTER DATABASE and a reload. */
async function enableScheduler(client: pg.ClientBase, database: string, settings: Record<string, string> = {}) {
  for (const [name, value] of Object.entries({ "pg_trickle.enabled": "on", ...settings })) {
    await client.query(`ALTER DATABASE "${database}" SET ${name} = '${value}'`);
  }
  await client.query("SELECT pg_reload_conf()");
}

async function schedulerPid(client: pg.ClientBase): Promise<number | null> {
  const r = await client.query(
    "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_trickle scheduler' AND datname = current_database()");
  return r.rows.length === 1 ? (r.rows[0].pid as number) : null;
}

async function historyCount(client: pg.ClientBase, name: string, where: string): Promise<number> {
  const r = await client.query(
    `SELECT count(*)::int AS n FROM pgtrickle.pgt_refresh_history
      WHERE pgt_id = (SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = to_regclass($1)) AND ${where}`, [name]);
  return r.rows[0].n as number;
}

for (const major of pgVersions()) {
  describe(`background scheduler on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);

    it("keeps stream tables equal to their queries under random DML, without manual refreshes", async () => {
      const { client: c, db } = database;
      await c.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int, note text)");
      await c.query("INSERT INTO items SELECT g, g % 5, g, NULL FROM generate_series(1, 200) g");
      await c.query("SELECT pgtrickle.create_stream_table('rows_st', $1, schedule => '1s', refresh_mode => 'DIFFERENTIAL')", [ROWS]);
      await c.query("SELECT pgtrickle.create_stream_table('totals', $1, refresh_mode => 'DIFFERENTIAL')", [TOTALS]); // calculated
      await enableScheduler(c, db.name);

      const r = new Random(SEED);
      let id = 1000;
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 5; i++) await c.query(randomItemsStatement(r, () => ++id));
        await waitFor(`round ${round} to be applied`, async () =>
          (await matches(c, "rows_st", ROW_COLS, ROWS)) && (await matches(c, "totals", TOTAL_COLS, TOTALS)));
      }
      expect(await historyCount(c, "rows_st", "initiated_by = 'SCHEDULER' AND status = 'COMPLETED'")).toBeGreaterThan(0);
      expect(await historyCount(c, "totals", "initiated_by = 'SCHEDULER' AND action = 'DIFFERENTIAL'")).toBeGreaterThan(0);
      const pid = await schedulerPid(c);
      expect(pid).not.toBeNull();
      const app = await c.query("SELECT application_name FROM pg_stat_activity WHERE pid = $1", [pid]);
      expect(app.rows[0].application_name).toBe("pg_trickle scheduler");
    });

    it("refreshes on a cron schedule (6 fields, with seconds)", async () => {
      const { client: c, db } = database;
      await enableScheduler(c, db.name);
      await c.query("CREATE TABLE cron_src (id int PRIMARY KEY, v int)");
      await c.query("SELECT pgtrickle.create_stream_table('cron_st', 'SELECT id, v FROM cron_src', schedule => '*/2 * * * * *')");
      await c.query("INSERT INTO cron_src SELECT g, g FROM generate_series(1, 5) g");
      await waitFor("the cron refresh", () => matches(c, "cron_st", ["id", "v"], "SELECT id, v FROM cron_src"), 10000);
      expect(await historyCount(c, "cron_st", "initiated_by = 'SCHEDULER' AND action = 'DIFFERENTIAL'")).toBe(1);
      // Soon after an even second, as */2 says (with room for a slow machine).
      const when = await c.query(`SELECT mod(extract(epoch FROM start_time), 2) < 1.5 AS aligned FROM pgtrickle.pgt_refresh_history
                                   WHERE pgt_id = (SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'cron_st') AND initiated_by = 'SCHEDULER'`);
      expect(when.rows.map((r) => r.aligned)).toEqual([true]);
    });

    it("applies a committed change at once when the commit wakes the scheduler, and only at the poll without the wake", async () => {
      const { client: c, db } = database;
      // A long poll, so only the commit-time wake can explain a fast refresh. (Configuration reloads
      // by other tests set the latch too; they must not count as a wake.)
      await enableScheduler(c, db.name, { "pg_trickle.scheduler_interval_ms": "60000" });
      try {
        await c.query("CREATE TABLE wake_src (id int PRIMARY KEY, v int)");
        await c.query("SELECT pgtrickle.create_stream_table('wake_st', 'SELECT id, v FROM wake_src', schedule => '1s')");
        await c.query("SELECT pg_sleep(1.2)"); // the schedule has elapsed
        await c.query("INSERT INTO wake_src VALUES (1, 1)");
        const latency = await waitFor("the woken refresh", async () =>
          (await c.query("SELECT count(*)::int AS n FROM wake_st")).rows[0].n === 1, 5000);
        expect(latency).toBeLessThan(1000);

        await c.query("SELECT pg_sleep(1.2)");
        await c.query("SET pg_trickle.wake_on_commit = off");
        await c.query("INSERT INTO wake_src VALUES (2, 2)");
        await c.query("RESET pg_trickle.wake_on_commit");
        await c.query("SELECT pg_sleep(2)");
        expect((await c.query("SELECT count(*)::int AS n FROM wake_st")).rows[0].n).toBe(1);
        await c.query("INSERT INTO wake_src VALUES (3, 3)"); // this commit wakes it: both rows arrive
        await waitFor("the second woken refresh", async () =>
          (await c.query("SELECT count(*)::int AS n FROM wake_st")).rows[0].n === 3, 5000);
      } finally {
        await enableScheduler(c, db.name, { "pg_trickle.scheduler_interval_ms": "1000" });
      }
    });

    it("counts failures, suspends after max_consecutive_errors with alerts, keeps the others going, and resumes", async () => {
      const { client: c, db } = database;
      const listener = await db.connect();
      const alerts: Array<Record<string, unknown>> = [];
      listener.on("notification", (n) => { if (n.channel === "pg_trickle_alert") alerts.push(JSON.parse(n.payload ?? "{}")); });
      await listener.query("LISTEN pg_trickle_alert");
      try {
        await c.query("CREATE TABLE fragile (id int PRIMARY KEY, d int)");
        await c.query("INSERT INTO fragile VALUES (1, 1), (2, 2)");
        await c.query("CREATE TABLE steady (id int PRIMARY KEY, v int)");
        await c.query("SELECT pgtrickle.create_stream_table('ratios', 'SELECT id, 100 / d AS r FROM fragile', schedule => '1s', refresh_mode => 'DIFFERENTIAL')");
        await c.query("SELECT pgtrickle.create_stream_table('steady_st', 'SELECT id, v FROM steady', schedule => '1s')");
        await enableScheduler(c, db.name, { "pg_trickle.max_consecutive_errors": "2" });

        await c.query("INSERT INTO fragile VALUES (3, 0)"); // every refresh now divides by zero
        await waitFor("auto-suspension", async () =>
          (await c.query("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'ratios'")).rows[0].status === "SUSPENDED");
        const row = (await c.query("SELECT consecutive_errors, last_error_message FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'ratios'")).rows[0];
        expect(row.consecutive_errors).toBe(2);
        expect(row.last_error_message).toBe("division by zero");
        expect(await historyCount(c, "ratios", "status = 'FAILED' AND initiated_by = 'SCHEDULER' AND error_message = 'division by zero'")).toBe(2);
        await waitFor("the alerts", async () => alerts.some((a) => a.event === "auto_suspended"), 5000);
        expect(alerts.filter((a) => a.event === "refresh_failed").map((a) => [a.stream_table, a.consecutive_errors]))
          .toEqual([["public.ratios", 1], ["public.ratios", 2]]);
        expect(alerts.find((a) => a.event === "auto_suspended")).toMatchObject({ stream_table: "public.ratios", consecutive_errors: 2 });
        expect(await matches(c, "ratios", ["id", "r"], "SELECT id, 100 / d AS r FROM fragile WHERE id < 3")).toBe(true);

        // The failing stream table does not hold up the other one.
        await c.query("INSERT INTO steady VALUES (1, 10), (2, 20)");
        await waitFor("the healthy stream table", () => matches(c, "steady_st", ["id", "v"], "SELECT id, v FROM steady"));
        // Suspended means not refreshed: it stays as it was.
        await c.query("SELECT pg_sleep(1.5)");
        expect(await historyCount(c, "ratios", "status = 'FAILED'")).toBe(2);

        await c.query("UPDATE fragile SET d = 4 WHERE id = 3");
        await c.query("SELECT pgtrickle.resume_stream_table('ratios')");
        await waitFor("the resumed refresh", () => matches(c, "ratios", ["id", "r"], "SELECT id, 100 / d AS r FROM fragile"));
        await waitFor("the resumed alert", async () => alerts.some((a) => a.event === "resumed"), 5000);
        const after = (await c.query("SELECT status, consecutive_errors FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'ratios'")).rows[0];
        expect(after).toEqual({ status: "ACTIVE", consecutive_errors: 0 });

        const notSuspended = await c.query("SELECT pgtrickle.resume_stream_table('ratios')");
        expect(notSuspended.rowCount).toBe(1);
        const missing = await errorOf(() => c.query("SELECT pgtrickle.resume_stream_table('no_such_st')"));
        expect([missing.code, missing.message]).toEqual(["42P01", 'stream table "no_such_st" does not exist']);
      } finally {
        await listener.end();
      }
    });

    it("never runs a manual and a scheduled refresh at once: the scheduler skips, the manual caller gets 55000", async () => {
      const { client: c, db } = database;
      await enableScheduler(c, db.name);
      await c.query("CREATE TABLE lock_src (id int PRIMARY KEY, v int)");
      await c.query("SELECT pgtrickle.create_stream_table('lock_st', 'SELECT id, v FROM lock_src', schedule => '1s', refresh_mode => 'DIFFERENTIAL')");
      await c.query("CREATE TABLE slow_src (id int PRIMARY KEY, v int)");
      await c.query("INSERT INTO slow_src SELECT g, g FROM generate_series(1, 10) g");
      // Not differentiable, so every scheduled refresh is FULL, and each sleeps a second.
      const slow = "SELECT id, v FROM slow_src WHERE (SELECT pg_sleep(1)::text) IS NOT NULL";
      await c.query("SELECT pgtrickle.create_stream_table('slow_st', $1, schedule => '1s', refresh_mode => 'FULL')", [slow]);

      const other = await db.connect();
      try {
        // A manual refresh in an open transaction holds lock_st (retried while a scheduled one runs).
        for (let attempt = 0; ; attempt++) {
          await other.query("BEGIN");
          const error = await other.query("SELECT pgtrickle.refresh_stream_table('lock_st')").then(() => null, (e: pg.DatabaseError) => e);
          if (error === null) break;
          await other.query("ROLLBACK");
          if (error.code !== "55000" || attempt > 20) throw error;
        }
        await c.query("INSERT INTO lock_src VALUES (1, 1)");
        await c.query("SELECT pg_sleep(2.5)");
        // Skipped, not failed and not waited for: no error counted, the change not applied yet.
        expect((await c.query("SELECT count(*)::int AS n FROM lock_st")).rows[0].n).toBe(0);
        expect((await c.query("SELECT consecutive_errors FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'lock_st'")).rows[0].consecutive_errors).toBe(0);
        expect(await historyCount(c, "lock_st", "status = 'FAILED'")).toBe(0);
        await other.query("COMMIT");
        await waitFor("the skipped change", () => matches(c, "lock_st", ["id", "v"], "SELECT id, v FROM lock_src"));

        // While the scheduler refreshes slow_st, a manual refresh fails at once. (The activity
        // probe can race with the end of a refresh, so try a few times.)
        let busy: pg.DatabaseError | null = null;
        for (let attempt = 0; attempt < 5 && busy === null; attempt++) {
          await waitFor("a scheduled refresh in progress", async () =>
            (await c.query("SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_trickle scheduler' AND datname = current_database() AND state = 'active' AND query = 'pg_trickle: refreshing public.slow_st'")).rowCount === 1);
          busy = await other.query("SELECT pgtrickle.refresh_stream_table('slow_st')").then(() => null, (e: pg.DatabaseError) => e);
        }
        expect([busy?.code, busy?.message]).toEqual(["55000", 'another refresh of stream table "slow_st" is already in progress']);
        expect(await matches(c, "slow_st", ["id", "v"], "SELECT id, v FROM slow_src")).toBe(true);
      } finally {
        await other.end();
        await c.query("SELECT pgtrickle.drop_stream_table('slow_st')");
      }
    });

    it("loses nothing when the scheduler is killed in the middle of a refresh", async () => {
      const { client: c, db } = database;
      await enableScheduler(c, db.name);
      await c.query("CREATE TABLE kill_src (id int PRIMARY KEY, v int)");
      await c.query("INSERT INTO kill_src SELECT g, g FROM generate_series(1, 50) g");
      const query = "SELECT id, v FROM kill_src WHERE (SELECT pg_sleep(0.8)::text) IS NOT NULL";
      await c.query("SELECT pgtrickle.create_stream_table('kill_st', $1, schedule => '1s', refresh_mode => 'FULL')", [query]);
      await c.query("SELECT pgtrickle.create_stream_table('kill_diff', 'SELECT id, v FROM kill_src WHERE v % 2 = 0', schedule => '1s', refresh_mode => 'DIFFERENTIAL')");
      await c.query("UPDATE kill_src SET v = v + 1 WHERE id % 3 = 0");
      await waitFor("a scheduled refresh in progress", async () =>
        (await c.query("SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_trickle scheduler' AND datname = current_database() AND state = 'active' AND query = 'pg_trickle: refreshing public.kill_st'")).rowCount === 1);
      const killed = await schedulerPid(c);
      await c.query("SELECT pg_terminate_backend($1)", [killed]);
      await c.query("DELETE FROM kill_src WHERE id % 7 = 0");
      await waitFor("a new scheduler", async () => { const pid = await schedulerPid(c); return pid !== null && pid !== killed; });
      await waitFor("convergence", async () =>
        (await matches(c, "kill_st", ["id", "v"], "SELECT id, v FROM kill_src")) &&
        (await matches(c, "kill_diff", ["id", "v"], "SELECT id, v FROM kill_src WHERE v % 2 = 0")));
      await c.query("SELECT pgtrickle.drop_stream_table('kill_st')");
    });

    it("applies a long-open transaction exactly once after it commits, without stalling other stream tables", async () => {
      const { client: c, db } = database;
      await enableScheduler(c, db.name);
      await c.query("CREATE TABLE open_src (id int PRIMARY KEY, v int)");
      await c.query("CREATE TABLE busy_src (id int PRIMARY KEY, v int)");
      await c.query("SELECT pgtrickle.create_stream_table('open_sum', 'SELECT count(*) AS n, sum(v) AS s FROM open_src', schedule => '1s', refresh_mode => 'DIFFERENTIAL')");
      await c.query("SELECT pgtrickle.create_stream_table('busy_st', 'SELECT id, v FROM busy_src', schedule => '1s', refresh_mode => 'DIFFERENTIAL')");
      const writer = await db.connect();
      try {
        await writer.query("BEGIN");
        await writer.query("INSERT INTO open_src VALUES (1, 10), (2, 20)");
        for (let i = 1; i <= 3; i++) {
          await c.query("INSERT INTO open_src VALUES ($1, 1)", [100 + i]);
          await c.query("INSERT INTO busy_src VALUES ($1, $1)", [i]);
          await waitFor(`other changes ${i} while a transaction is open`, async () =>
            (await matches(c, "busy_st", ["id", "v"], "SELECT id, v FROM busy_src")) &&
            (await matches(c, "open_sum", ["n", "s"], "SELECT count(*) AS n, sum(v) AS s FROM open_src")));
        }
        await writer.query("COMMIT");
        await waitFor("the late commit", async () =>
          (await c.query("SELECT n, s FROM open_sum")).rows[0].s === "33");
        await c.query("SELECT pg_sleep(1.5)"); // more scheduled refreshes: applied once, not twice
        await expectMatchesQuery(c, "open_sum", ["n", "s"], "SELECT count(*) AS n, sum(v) AS s FROM open_src");
      } finally {
        await writer.end();
      }
    });

    it("never shows two sources changed in one transaction half-applied", async () => {
      const { client: c, db } = database;
      await enableScheduler(c, db.name);
      await c.query("CREATE TABLE acct_a (id int PRIMARY KEY, v int)");
      await c.query("CREATE TABLE acct_b (id int PRIMARY KEY, v int)");
      await c.query("INSERT INTO acct_a SELECT g, 100 FROM generate_series(1, 10) g");
      await c.query("INSERT INTO acct_b SELECT g, 100 FROM generate_series(1, 10) g");
      // Every transfer moves an amount from one table to the other in one transaction: the total is 2000.
      await c.query(`SELECT pgtrickle.create_stream_table('acct_total',
        'SELECT (SELECT sum(v) FROM acct_a) + (SELECT sum(v) FROM acct_b) AS total', schedule => '1s', refresh_mode => 'FULL')`);
      const writer = await db.connect();
      try {
        const r = new Random(SEED + 7);
        const deadline = Date.now() + 4000;
        let observations = 0;
        while (Date.now() < deadline) {
          const amount = r.int(1, 20);
          const [from, to] = r.chance(0.5) ? ["acct_a", "acct_b"] : ["acct_b", "acct_a"];
          await writer.query("BEGIN");
          await writer.query(`UPDATE ${from} SET v = v - $1 WHERE id = $2`, [amount, r.int(1, 10)]);
          await writer.query(`UPDATE ${to} SET v = v + $1 WHERE id = $2`, [amount, r.int(1, 10)]);
          await writer.query("COMMIT");
          const total = (await c.query("SELECT total FROM acct_total")).rows[0].total;
          expect(total).toBe("2000");
          observations++;
        }
        expect(observations).toBeGreaterThan(10);
        expect(await historyCount(c, "acct_total", "initiated_by = 'SCHEDULER' AND action = 'FULL'")).toBeGreaterThan(1);
      } finally {
        await writer.end();
      }
    });

    it("trims consumed change-buffer rows, keeps rows an open snapshot may need, and prunes old history", async () => {
      const { client: c, db } = database;
      await c.query("CREATE TABLE hk_src (id int PRIMARY KEY, v int)");
      // Not due for a day: only this test refreshes it, until the end.
      await c.query("SELECT pgtrickle.create_stream_table('hk_st', 'SELECT id, v FROM hk_src', schedule => '1d', refresh_mode => 'DIFFERENTIAL')");
      const buffer = (await c.query("SELECT 'pgtrickle_changes.changes_' || 'hk_src'::regclass::oid AS b")).rows[0].b as string;
      const bufferRows = async () => (await c.query(`SELECT count(*)::int AS n FROM ${buffer}`)).rows[0].n as number;

      await c.query("INSERT INTO hk_src SELECT g, g FROM generate_series(1, 20) g");
      await c.query("SELECT pgtrickle._housekeeping(90)");
      expect(await bufferRows()).toBe(20); // not consumed yet
      await c.query("SELECT pgtrickle.refresh_stream_table('hk_st')");

      const holder = await db.connect();
      try {
        // An open REPEATABLE READ snapshot from before the next changes keeps them.
        await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
        await holder.query("SELECT 1");
        await c.query("UPDATE hk_src SET v = v + 1 WHERE id <= 5");
        await c.query("SELECT pgtrickle.refresh_stream_table('hk_st')");
        await c.query("SELECT pgtrickle._housekeeping(90)");
        // The update's rows (5 old, 5 new) are held by the open snapshot. (The insert's 20 go only if
        // no session anywhere in the cluster was older than them: not asserted.)
        const held = await c.query(`SELECT count(*) FILTER (WHERE __pgt_action = 'D')::int AS d, count(*)::int AS n FROM ${buffer}`);
        expect(held.rows[0].d).toBe(5);
        expect(held.rows[0].n).toBeGreaterThanOrEqual(10);
        await holder.query("COMMIT");
        await c.query("SELECT pgtrickle.refresh_stream_table('hk_st')"); // moves the frontier past the update
        // Any session's snapshot (the scheduler's too) holds rows while it is open: retry briefly.
        await waitFor("the trimmed buffer", async () => {
          await c.query("SELECT pgtrickle._housekeeping(90)");
          return (await bufferRows()) === 0;
        }, 5000);
      } finally {
        await holder.end();
      }
      await c.query("INSERT INTO hk_src VALUES (100, 100)");
      await c.query("SELECT pgtrickle.refresh_stream_table('hk_st')");
      await expectMatchesQuery(c, "hk_st", ["id", "v"], "SELECT id, v FROM hk_src");

      const recent = await historyCount(c, "hk_st", "true");
      // The scheduler, on in this database since an earlier test, may prune the old row first: its
      // insert is checked by RETURNING, and only the outcome after housekeeping is asserted.
      const old = await c.query(`INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, end_time, action, status, initiated_by)
                     SELECT pgt_id, now() - interval '100 days', now() - interval '100 days', 'FULL', 'COMPLETED', 'MANUAL'
                       FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'hk_st' RETURNING refresh_id`);
      expect(old.rowCount).toBe(1);
      await c.query("SELECT pgtrickle._housekeeping(90)");
      expect(await historyCount(c, "hk_st", "start_time < now() - interval '90 days'")).toBe(0);
      expect(await historyCount(c, "hk_st", "true")).toBe(recent);

      // The scheduler runs the same housekeeping by itself.
      await c.query("INSERT INTO hk_src VALUES (101, 101)");
      await c.query("SELECT pgtrickle.alter_stream_table('hk_st', schedule => '1s')");
      await enableScheduler(c, db.name);
      await waitFor("the scheduler's housekeeping", async () => (await bufferRows()) === 0, 30000);
      await expectMatchesQuery(c, "hk_st", ["id", "v"], "SELECT id, v FROM hk_src");
    });

    it("stops scheduling when pg_trickle.enabled is off; manual refreshes still work", async () => {
      const { client: c, db } = database;
      await c.query(`ALTER DATABASE "${db.name}" SET pg_trickle.enabled = off`);
      await c.query("SELECT pg_reload_conf()");
      await c.query("CREATE TABLE off_src (id int PRIMARY KEY, v int)");
      await c.query("SELECT pgtrickle.create_stream_table('off_st', 'SELECT id, v FROM off_src', schedule => '1s')");
      await c.query("SELECT pg_sleep(0.5)");
      await c.query("INSERT INTO off_src VALUES (1, 1)");
      await c.query("SELECT pg_sleep(2.5)");
      expect((await c.query("SELECT count(*)::int AS n FROM off_st")).rows[0].n).toBe(0);
      expect(await historyCount(c, "off_st", "initiated_by = 'SCHEDULER'")).toBe(0);
      await c.query("SELECT pgtrickle.refresh_stream_table('off_st')");
      await expectMatchesQuery(c, "off_st", ["id", "v"], "SELECT id, v FROM off_src");
    });
  });

  describe(`scheduler lifecycle on PostgreSQL ${major}`, () => {
    it("does not block DROP DATABASE (without FORCE) of a database it works in", async () => {
      const db = await createFreshDatabase(major);
      const c = await db.connect();
      try {
        await c.query("CREATE EXTENSION pg_trickle");
        await c.query("CREATE TABLE t (id int PRIMARY KEY)");
        await c.query("SELECT pgtrickle.create_stream_table('t_st', 'SELECT id FROM t', schedule => '1s')");
        await waitFor("the scheduler", async () => (await schedulerPid(c)) !== null);
      } finally {
        await c.end();
      }
      const admin = await connect(major);
      try {
        const started = Date.now();
        await admin.query(`DROP DATABASE "${db.name}"`);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await admin.end();
        await db.drop();
      }
    });
  });
}
