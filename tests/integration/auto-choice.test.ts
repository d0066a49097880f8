/**
 * @fileoverview AUTO's choice between DIFFERENTIAL and FULL from the stream table's own refresh
 * history (src/engine/refresh/cost-model.ts, the history read by lookupRefreshCosts in
 * src/engine/analyze/catalog.ts), on every PostgreSQL under test. Real refreshes first: the
 * initial population is the FULL sample, the first DIFFERENTIAL refresh the first DIFFERENTIAL
 * one. Then histories with chosen durations: rows written into pgt_refresh_history before a
 * real refresh, so the choice and its recorded reason are exact. The stream table must equal
 * its query after every refresh, whichever way it went.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { createStreamTable, expectMatchesQuery, withExtensionDatabase } from "./oracle.ts";

const QUERY = "SELECT grp, count(*) AS n, sum(val) AS s FROM items GROUP BY grp";
const COLUMNS = ["grp", "n", "s"];

/** A refresh in a seeded history: its action, changes and duration (and who started it: MANUAL unless said), oldest first. */
type Seeded = [action: string, changes: number, ms: number, initiatedBy?: string];

for (const major of pgVersions()) {
  describe(`AUTO's choice from the refresh history on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    beforeAll(async () => {
      client = database.client;
      await client.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int)");
      await client.query("INSERT INTO items SELECT g, g % 10, g FROM generate_series(1, 1000) g");
      await client.query("ANALYZE items");
      await createStreamTable(client, "auto_agg", QUERY, "AUTO");
    });

    /** Updates `rows` rows: twice as many changes (the old and the new image). */
    const change = (rows: number) => client.query("UPDATE items SET val = val + 1 WHERE id <= $1", [rows]);

    /** Refreshes auto_agg, checks it against its query, and returns its history row. */
    async function refresh(): Promise<{ action: string; decision_reason: string; fallback_reason: string | null; ms: number }> {
      await client.query("SELECT pgtrickle.refresh_stream_table('auto_agg')");
      await expectMatchesQuery(client, "auto_agg", COLUMNS, QUERY);
      return (await client.query(`SELECT h.action, h.decision_reason, h.fallback_reason,
          extract(epoch FROM h.end_time - h.start_time)::float8 * 1000 AS ms
        FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id)
        WHERE s.pgt_name = 'auto_agg' ORDER BY h.refresh_id DESC LIMIT 1`)).rows[0];
    }

    /** Replaces auto_agg's history with `rows`, a minute apart and ending a minute ago. */
    async function seed(rows: Seeded[]): Promise<void> {
      await client.query(`DELETE FROM pgtrickle.pgt_refresh_history
        WHERE pgt_id = (SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'auto_agg')`);
      await client.query(`INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, end_time, action, delta_row_count, status, initiated_by)
        SELECT s.pgt_id, now() - (r.n + 1) * interval '1 minute', now() - (r.n + 1) * interval '1 minute' + r.ms * interval '1 ms',
               r.action, r.changes, 'COMPLETED', coalesce(r.initiated_by, 'MANUAL')
        FROM pgtrickle.pgt_stream_tables s,
             jsonb_to_recordset($1::jsonb) AS r(action text, changes bigint, ms float8, n int, initiated_by text)
        WHERE s.pgt_name = 'auto_agg'`,
      [JSON.stringify(rows.map(([action, changes, ms, initiated_by], i) => ({ action, changes, ms, initiated_by, n: rows.length - i })))]);
    }

    const below = (changes: number) => `${changes} pending changes, at most pg_trickle.differential_max_change_ratio of 1000 source rows`;
    const predicted = (differential: string, full: string) =>
      `a DIFFERENTIAL refresh of them is predicted to take ${differential}, a FULL one ${full} (from the last refreshes)`;
    const slower = (changes: number, differential: string, full: string) =>
      `${changes} pending changes: a DIFFERENTIAL refresh of them is predicted to take ${differential}, more than 10% over a FULL one's ${full} (from the last refreshes)`;
    const full = (a: Seeded[] = []) => [["FULL", 0, 10] as Seeded, ...a];

    it("measures the initial population as the FULL refresh and the first DIFFERENTIAL refresh, then predicts from them", async () => {
      const initial = (await client.query(`SELECT h.action, h.initiated_by, extract(epoch FROM h.end_time - h.start_time)::float8 * 1000 AS ms
        FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = 'auto_agg'`)).rows;
      expect(initial).toMatchObject([{ action: "FULL", initiated_by: "INITIAL" }]);
      await change(1);
      const first = await refresh();
      expect(first).toMatchObject({ action: "DIFFERENTIAL", decision_reason: `${below(2)}; no earlier DIFFERENTIAL refresh to predict its cost from` });
      await change(1);
      const second = await refresh();
      // The prediction is the first DIFFERENTIAL refresh's time (as many changes), against the population's.
      const ms = (x: number) => `${Math.round(x * 10) / 10} ms`;
      const expected = first.ms > initial[0].ms * 1.1
        ? { action: "FULL", decision_reason: slower(2, ms(first.ms), ms(initial[0].ms)) }
        : { action: "DIFFERENTIAL", decision_reason: `${below(2)}; ${predicted(ms(first.ms), ms(initial[0].ms))}` };
      expect(second).toMatchObject(expected);
    });

    it("goes FULL on one cold DIFFERENTIAL refresh more than 10% slower, and says so in the history and explain_refresh_mode", async () => {
      await seed(full([["DIFFERENTIAL", 2, 50]]));
      await change(1);
      const d = await refresh();
      expect(d).toMatchObject({ action: "FULL", decision_reason: slower(2, "50 ms", "10 ms"), fallback_reason: slower(2, "50 ms", "10 ms") });
      expect((await client.query("SELECT * FROM pgtrickle.explain_refresh_mode('auto_agg')")).rows[0])
        .toEqual({ configured_mode: "AUTO", effective_mode: "FULL", downgrade_reason: slower(2, "50 ms", "10 ms") });
      // Within the margin DIFFERENTIAL stays.
      await seed(full([["DIFFERENTIAL", 2, 11]]));
      await change(1);
      expect(await refresh()).toMatchObject({ action: "DIFFERENTIAL", decision_reason: `${below(2)}; ${predicted("11 ms", "10 ms")}`, fallback_reason: null });
    });

    it("takes medians, so one cold refresh does not decide, and scales the time per change up for more changes", async () => {
      await seed([["FULL", 0, 4000], ["FULL", 0, 30], ["DIFFERENTIAL", 2, 900], ["FULL", 0, 30], ["DIFFERENTIAL", 2, 20], ["DIFFERENTIAL", 2, 22]]);
      await change(1);
      expect(await refresh()).toMatchObject({ action: "DIFFERENTIAL", decision_reason: `${below(2)}; ${predicted("22 ms", "30 ms")}` });
      await seed([["FULL", 0, 25], ["DIFFERENTIAL", 2, 20], ["DIFFERENTIAL", 2, 22], ["DIFFERENTIAL", 2, 24]]);
      await change(2);
      expect(await refresh()).toMatchObject({ action: "FULL", decision_reason: slower(4, "44 ms", "25 ms") });
      // Predicted at most half again FULL's cost on more changes than measured: measured.
      await seed([["FULL", 0, 30], ["DIFFERENTIAL", 2, 20], ["DIFFERENTIAL", 2, 22], ["DIFFERENTIAL", 2, 24]]);
      await change(2);
      expect(await refresh()).toMatchObject({ action: "DIFFERENTIAL", decision_reason: `${below(4)}; `
        + `DIFFERENTIAL to measure it on more changes than the 2 of the largest DIFFERENTIAL refresh measured; ${predicted("44 ms", "30 ms")}` });
    });

    it("counts the initial population as FULL's cost only until another FULL refresh is measured", async () => {
      // With the population, FULL's median would be 55 ms, and DIFFERENTIAL's 80 ms more than 10 % over it.
      await seed([["FULL", 0, 10, "INITIAL"], ["DIFFERENTIAL", 2, 80], ["FULL", 0, 100]]);
      await change(1);
      expect(await refresh()).toMatchObject({ action: "DIFFERENTIAL", decision_reason: `${below(2)}; ${predicted("80 ms", "100 ms")}` });
      await seed([["FULL", 0, 10, "INITIAL"], ["DIFFERENTIAL", 2, 80]]);
      await change(1);
      expect(await refresh()).toMatchObject({ action: "FULL", decision_reason: slower(2, "80 ms", "10 ms") });
    });

    it("tries DIFFERENTIAL again once the FULL refreshes since the last one paid ten times the predicted excess", async () => {
      // Predicted 50 ms against 10 ms: a try costs 40 ms more, paid by 400 ms of FULL refreshes.
      const fulls = (n: number): Seeded[] => Array.from({ length: n }, () => ["FULL", 0, 10] as Seeded);
      await seed(full([["DIFFERENTIAL", 2, 50], ...fulls(39)]));
      await change(1);
      expect(await refresh()).toMatchObject({ action: "FULL", decision_reason: slower(2, "50 ms", "10 ms") });
      await seed(full([["DIFFERENTIAL", 2, 50], ...fulls(40)]));
      await change(1);
      expect(await refresh()).toMatchObject({ action: "DIFFERENTIAL", fallback_reason: null, decision_reason: `${below(2)}; `
        + `DIFFERENTIAL to measure it anew after 40 FULL refreshes (400 ms in all) since the last DIFFERENTIAL one; ${predicted("50 ms", "10 ms")}` });
    });

    it("tries DIFFERENTIAL again on an eighth of the changes of every DIFFERENTIAL refresh measured", async () => {
      await seed(full([["DIFFERENTIAL", 40, 50], ["FULL", 0, 10]]));
      await change(3);
      expect(await refresh()).toMatchObject({ action: "FULL", decision_reason: slower(6, "50 ms", "10 ms") });
      await seed(full([["DIFFERENTIAL", 40, 50], ["FULL", 0, 10]]));
      await change(2);
      expect(await refresh()).toMatchObject({ action: "DIFFERENTIAL", decision_reason: `${below(4)}; `
        + `DIFFERENTIAL to measure it on fewer changes, at most an eighth of the 40 of the smallest DIFFERENTIAL refresh measured; ${predicted("50 ms", "10 ms")}` });
    });

    it("forgets the refreshes before a REINITIALIZE: they ran another program", async () => {
      await seed(full([["DIFFERENTIAL", 2, 50], ["REINITIALIZE", 0, 10]]));
      await change(1);
      expect(await refresh()).toMatchObject({ action: "DIFFERENTIAL", decision_reason: `${below(2)}; no earlier DIFFERENTIAL refresh to predict its cost from` });
    });
  });
}
