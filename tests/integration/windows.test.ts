/**
 * @fileoverview The multiset oracle for window functions over many rounds of random DML (the
 * tables and statements of the join oracle): ranking, running and framed aggregates (ROWS, GROUPS,
 * EXCLUDE), lag and first_value, FILTER, named windows (WINDOW, OVER w, OVER (w ORDER BY)),
 * windows with no PARTITION BY, partitions on NULL keys, a window over a join, inside an
 * expression, over groups (GROUP BY, HAVING), the top rows per group through a subquery in
 * FROM, and DISTINCT ON (row_number() = 1 per group). Every window orders its
 * partition by a unique key, or its value does not depend on the order, or the rows it leaves
 * tied are alike in every column selected, so the query's rows are deterministic. One whose rows
 * depend on the order of tied rows (`w_ties_*` recomputed) is recomputed at each refresh with
 * changes, and holds the rows PostgreSQL's plan gives then. Also the refusals.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, joinOracle, errorOf, validation } from "./oracle.ts";

const CASES: OracleCase[] = [
  { name: "w_row_number", query: "SELECT l.id, l.k, row_number() OVER (PARTITION BY l.k ORDER BY l.id) AS rn FROM l", columns: ["id", "k", "rn"] },
  { name: "w_running", query: "SELECT id, k, sum(v) OVER (PARTITION BY k ORDER BY id) AS run FROM l", columns: ["id", "k", "run"] },
  { name: "w_global_rank", query: "SELECT id, rank() OVER (ORDER BY w, id) AS rk FROM r", columns: ["id", "rk"] },
  { name: "w_lag_expression", query: "SELECT id, v - lag(v, 1, 0) OVER (PARTITION BY k ORDER BY id) AS dv FROM l", columns: ["id", "dv"] },
  { name: "w_rows_frame", query: "SELECT id, sum(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s3 FROM l", columns: ["id", "s3"] },
  { name: "w_groups_exclude", query: "SELECT id, sum(v) OVER (PARTITION BY tag ORDER BY v GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) AS g FROM l", columns: ["id", "g"] },
  { name: "w_named", query: "SELECT id, count(*) OVER w AS c, max(v) OVER (w ORDER BY id) AS mx FROM l WINDOW w AS (PARTITION BY tag)", columns: ["id", "c", "mx"] },
  { name: "w_join", query: "SELECT l.id, r.id AS rid, dense_rank() OVER (PARTITION BY l.k ORDER BY r.w, r.id, l.id) AS dr FROM l JOIN r ON r.k = l.k", columns: ["id", "rid", "dr"] },
  { name: "w_top_per_group", query: "SELECT id, k FROM (SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id) AS rn FROM l) AS s WHERE rn <= 2", columns: ["id", "k"] },
  { name: "w_keyless", query: "SELECT k, x, count(*) OVER (PARTITION BY k) AS n FROM kl", columns: ["k", "x", "n"] },
  { name: "w_two_partitions", query: "SELECT id, sum(v) OVER (PARTITION BY k) AS a, sum(v) OVER (PARTITION BY tag, k) AS b FROM l", columns: ["id", "a", "b"] },
  { name: "w_filter", query: "SELECT id, count(*) FILTER (WHERE v > 4) OVER (PARTITION BY k) AS big FROM l", columns: ["id", "big"] },
  { name: "w_over_groups", query: "SELECT k, sum(v) AS s, rank() OVER (ORDER BY sum(v) DESC NULLS LAST, k NULLS FIRST) AS r FROM l GROUP BY k", columns: ["k", "s", "r"] },
  { name: "w_over_groups_partition", query: "SELECT tag, k, count(*) AS n, sum(count(*)) OVER (PARTITION BY tag) AS tag_total FROM l GROUP BY tag, k HAVING count(*) > 1", columns: ["tag", "k", "n", "tag_total"] },
  { name: "w_distinct_on", query: "SELECT DISTINCT ON (k) k, id, v FROM l ORDER BY k, v DESC NULLS LAST, id", columns: ["k", "id", "v"] },
  { name: "w_distinct_on_join", query: "SELECT DISTINCT ON (l.tag) l.tag, r.id FROM l JOIN r ON r.k = l.k ORDER BY l.tag, r.w, r.id, l.id", columns: ["tag", "id"] },
  { name: "w_first_ntile", query: "SELECT id, first_value(v) OVER (PARTITION BY k ORDER BY id) AS fv, ntile(2) OVER (PARTITION BY k ORDER BY id) AS half FROM l WHERE v IS NOT NULL", columns: ["id", "fv", "half"] },
  // Tied rows alike in every column selected: any order among them gives the same rows.
  { name: "w_ties_alike", query: "SELECT k, v, row_number() OVER (PARTITION BY k ORDER BY v) AS rn, first_value(v) OVER (PARTITION BY k ORDER BY v DESC) AS top FROM l", columns: ["k", "v", "rn", "top"] },
  { name: "w_ties_keyless", query: "SELECT k, x, lag(x) OVER (PARTITION BY k ORDER BY x) AS prev, sum(x) OVER (PARTITION BY k ORDER BY x ROWS UNBOUNDED PRECEDING) AS run FROM kl", columns: ["k", "x", "prev", "run"] },
  // One partition of duplicate rows: old and new rows are compared as multisets.
  { name: "w_ntile_keyless", query: "SELECT ntile(3) OVER (ORDER BY k, x) AS t, k, x FROM kl", columns: ["t", "k", "x"] },
  { name: "w_distinct_on_alike", query: "SELECT DISTINCT ON (tag) tag, v FROM l ORDER BY tag, v DESC", columns: ["tag", "v"] },
  // Tied rows that differ: the query is recomputed (operator tree Recompute(...)).
  { name: "w_ties_recomputed", query: "SELECT id, row_number() OVER (PARTITION BY k ORDER BY v) AS rn FROM l", columns: ["id", "rn"] },
  { name: "w_ties_rows_recomputed", query: "SELECT k, x, sum(x) OVER (ORDER BY k ROWS 1 PRECEDING) AS s FROM kl", columns: ["k", "x", "s"] },
];

for (const major of pgVersions()) {
  describe(`window functions on PostgreSQL ${major}`, () => {
    const database = joinOracle(major, CASES, 4711 + major);
    let client: pg.Client;
    beforeAll(() => { client = database.client; });

    it.each([
      ["SELECT DISTINCT k, rank() OVER (ORDER BY k) AS r FROM l", "DIFFERENTIAL", "window functions in a query with DISTINCT or GROUPING SETS is not supported in DIFFERENTIAL mode"],
      ["SELECT id FROM l WHERE v > 0 ORDER BY row_number() OVER ()", "DIFFERENTIAL", null],
    ])("%s in %s mode", async (query, mode, message) => {
      const create = () => client.query("SELECT pgtrickle.create_stream_table('x_window', $$" + query + "$$, refresh_mode => '" + mode + "')");
      if (message === null) {
        // A window only in ORDER BY changes nothing stored: accepted.
        await create();
        await client.query("SELECT pgtrickle.drop_stream_table('x_window')");
        return;
      }
      const error = await errorOf(create);
      expect(error).toMatchObject({ code: "0A000", message });
      expect(error.hint).toBeTruthy();
      expect((await client.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'x_window'")).rows[0].n).toBe(0);
    });

    it("recomputes a window over tied rows that differ, and says so", async () => {
      for (const c of CASES) {
        const { tree, warnings } = await validation(client, c.query);
        expect({ name: c.name, recomputed: tree.startsWith("Recompute(") }).toEqual({ name: c.name, recomputed: c.name.endsWith("_recomputed") });
        if (c.name === "w_ties_recomputed") {
          expect(warnings).toEqual(["window function row_number() over rows its PARTITION BY and ORDER BY leave tied depends on the order"
            + " PostgreSQL reads rows in: a refresh with changes runs the whole query and writes only the rows that differ"]);
        }
      }
    });
  });
}
