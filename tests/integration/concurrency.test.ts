/**
 * @fileoverview Snapshot frontiers under concurrency: changes committed before, during and after
 * a refresh are applied exactly once; a refresh inside the writing transaction does not apply its
 * changes again after commit; competing refreshes fail fast with 55000; and with writers running
 * the whole time, every refresh in a REPEATABLE READ transaction equals the query in that snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions, type FreshDatabase } from "../setup/pg.ts";
import { Random, createStreamTable, errorOf, expectMatchesQuery, randomItemsStatement, refresh, withExtensionDatabase } from "./oracle.ts";

const TOTALS = "SELECT grp, count(*) AS n, sum(val) AS s FROM items GROUP BY grp";
const TOTAL_COLS = ["grp", "n", "s"];
const ROWS = "SELECT id, grp, val FROM items WHERE val >= 0";
const ROW_COLS = ["id", "grp", "val"];

for (const major of pgVersions()) {
  describe(`refresh under concurrency on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let db: FreshDatabase;
    let a: pg.Client;
    let b: pg.Client;

    beforeAll(async () => {
      db = database.db;
      a = database.client;
      b = await db.connect();
      await a.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int, note text)");
      await a.query("INSERT INTO items SELECT g, g % 4, g, NULL FROM generate_series(1, 100) g");
      await createStreamTable(a, "totals", TOTALS);
      await createStreamTable(a, "rows_st", ROWS);
      // Every refresh here must go through the delta rules, however large the change ratio.
      await a.query("SET pg_trickle.refresh_strategy = 'differential'");
      await b.query("SET pg_trickle.refresh_strategy = 'differential'");
    });

    afterAll(async () => {
      await b?.end();
    });

    async function expectBoth(client: pg.ClientBase, context: string) {
      await expectMatchesQuery(client, "totals", TOTAL_COLS, TOTALS, context);
      await expectMatchesQuery(client, "rows_st", ROW_COLS, ROWS, context);
    }

    async function refreshBoth(client: pg.ClientBase) {
      await refresh(client, "totals");
      await refresh(client, "rows_st");
    }

    it("applies a transaction that was open during a refresh exactly once, after it commits", async () => {
      await b.query("BEGIN");
      await b.query("INSERT INTO items VALUES (1001, 1, 50, NULL), (1002, 9, 7, NULL)");
      await b.query("UPDATE items SET grp = 3 WHERE id = 5");
      await refreshBoth(a); // b's transaction is in progress: invisible to this refresh
      await expectBoth(a, "while b is open");
      await b.query("COMMIT");
      await refreshBoth(a);
      await expectBoth(a, "after b committed");
      await refreshBoth(a);
      await expectBoth(a, "a second refresh applies nothing twice");
    });

    it("does not re-apply changes refreshed inside the writing transaction, and applies later ones", async () => {
      await a.query("BEGIN");
      await a.query("INSERT INTO items VALUES (2001, 2, 11, NULL)");
      await a.query("DELETE FROM items WHERE id = 7");
      await refreshBoth(a);
      await expectBoth(a, "inside the writing transaction");
      await a.query("INSERT INTO items VALUES (2002, 2, 13, NULL)");
      await a.query("UPDATE items SET val = val + 100 WHERE id = 2001");
      await a.query("COMMIT");
      await refreshBoth(a);
      await expectBoth(a, "after commit");
    });

    it("rolls back a refresh with its transaction", async () => {
      const before = await a.query("SELECT grp, n, s FROM totals ORDER BY grp");
      await a.query("BEGIN");
      await a.query("INSERT INTO items VALUES (3001, 1, 1000, NULL)");
      await refreshBoth(a);
      await a.query("ROLLBACK");
      expect((await a.query("SELECT grp, n, s FROM totals ORDER BY grp")).rows).toEqual(before.rows);
      await refreshBoth(a);
      await expectBoth(a, "after rollback");
    });

    it("applies a commit that lands between a refresh and its commit", async () => {
      await a.query("BEGIN");
      await refreshBoth(a);
      await b.query("INSERT INTO items VALUES (4001, 0, 4, NULL)"); // commits while a's refresh is uncommitted
      await a.query("COMMIT");
      await refreshBoth(a);
      await expectBoth(a, "after the late commit");
    });

    it("rejects a second concurrent refresh of the same stream table with 55000", async () => {
      await b.query("INSERT INTO items VALUES (5001, 1, 5, NULL)");
      await a.query("BEGIN");
      await refresh(a, "totals");
      const err = await errorOf(() => b.query("SELECT pgtrickle.refresh_stream_table('totals')"));
      expect(err.code).toBe("55000");
      expect(err.message).toBe('another refresh of stream table "totals" is already in progress');
      await refresh(b, "rows_st"); // another stream table is not blocked
      await a.query("COMMIT");
      await refresh(b, "totals");
      await expectBoth(b, "after the contested refresh");
    });

    it("stays exact in every REPEATABLE READ snapshot while writers keep committing", async () => {
      const writers = await Promise.all([db.connect(), db.connect(), db.connect()]);
      // Writers deadlock on each other now and then; resolve it fast so commits keep flowing.
      for (const w of writers) await w.query("SET deadlock_timeout = '20ms'");
      let stop = false;
      let nextId = 100000;
      let commits = 0;
      const write = async (client: pg.Client, seed: number) => {
        const r = new Random(seed);
        while (!stop) {
          await client.query("BEGIN");
          try {
            for (let i = r.int(1, 3); i > 0; i--) await client.query(randomItemsStatement(r, () => ++nextId + seed * 1000000));
            await client.query(r.chance(0.2) ? "ROLLBACK" : "COMMIT");
            commits++;
          } catch {
            await client.query("ROLLBACK"); // deadlocks and key clashes between writers are fine
          }
        }
      };
      const firstRefresh = Number((await a.query("SELECT coalesce(max(refresh_id), 0) AS id FROM pgtrickle.pgt_refresh_history")).rows[0].id);
      const running = writers.map((w, i) => write(w, i + 1));
      try {
        for (let round = 0; round < 40; round++) {
          await new Promise((resolve) => setTimeout(resolve, 20)); // let the writers commit something
          await a.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
          await refreshBoth(a);
          await expectBoth(a, `repeatable read round ${round}`);
          await a.query("COMMIT");
        }
      } finally {
        stop = true;
        await Promise.all(running);
        await Promise.all(writers.map((w) => w.end()));
      }
      await refreshBoth(a);
      await expectBoth(a, "after the writers stopped");
      const applied = await a.query(
        "SELECT count(*) AS refreshes, sum(delta_row_count) AS rows FROM pgtrickle.pgt_refresh_history WHERE refresh_id > $1 AND action = 'DIFFERENTIAL'",
        [firstRefresh]);
      expect(commits).toBeGreaterThan(40);
      expect(Number(applied.rows[0].refreshes)).toBeGreaterThan(40);
      expect(Number(applied.rows[0].rows)).toBeGreaterThan(100);
    });
  });
}
