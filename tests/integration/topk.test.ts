/**
 * @fileoverview TopK — ORDER BY ... LIMIT k [OFFSET m], and FETCH FIRST ... WITH TIES — under the
 * multiset oracle over many rounds of random DML (the tables and statements of the join oracle),
 * each case also as an IMMEDIATE twin: over one table, over a join with groups, over UNION, with
 * OFFSET, with ties. A refresh with changes recomputes the top rows and changes only the stored
 * rows that differ. A LIMIT or OFFSET below the top, and OFFSET without LIMIT, make the whole
 * query recomputed. Also the LIMITs that drop no row (EXISTS (... LIMIT 1), OFFSET 0, LIMIT ALL)
 * and the refusals.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, joinOracle, errorOf, refresh, storedOperatorTree, validation } from "./oracle.ts";

const CASES: OracleCase[] = [
  { name: "t_top", query: "SELECT id, k, v FROM l ORDER BY v DESC NULLS LAST, id LIMIT 5", columns: ["id", "k", "v"] },
  { name: "t_offset", query: "SELECT id, w FROM r ORDER BY w, id LIMIT 4 OFFSET 3", columns: ["id", "w"] },
  { name: "t_groups", query: "SELECT l.k, sum(r.w) AS s FROM l JOIN r ON r.k = l.k GROUP BY l.k ORDER BY s DESC NULLS LAST, l.k LIMIT 3", columns: ["k", "s"] },
  // Tied rows are equal in every column selected: any of them is the same result.
  { name: "t_ties_equal", query: "SELECT k FROM kl ORDER BY k NULLS LAST LIMIT 4", columns: ["k"] },
  { name: "t_with_ties", query: "SELECT id, v FROM l ORDER BY v FETCH FIRST 3 ROWS WITH TIES", columns: ["id", "v"] },
  { name: "t_union", query: "(SELECT k FROM l UNION SELECT k FROM r) ORDER BY 1 LIMIT 4", columns: ["k"] },
  { name: "t_exists_limit", query: "SELECT id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k LIMIT 1)", columns: ["id"] },
  // LIMIT 0 keeps no row, whatever the order.
  { name: "t_limit_zero", query: "SELECT id, k FROM l LIMIT 0", columns: ["id", "k"] },
  { name: "t_offset_zero", query: "SELECT s.id, s.v FROM (SELECT id, v FROM l OFFSET 0) AS s LIMIT ALL", columns: ["id", "v"] },
  // Recomputed as a whole.
  { name: "t_offset_only", query: "SELECT id, w FROM r ORDER BY w, id OFFSET 5", columns: ["id", "w"] },
  { name: "t_sub_limit", query: "SELECT s.id, s.v FROM (SELECT id, v FROM l ORDER BY v DESC NULLS LAST, id LIMIT 3) AS s", columns: ["id", "v"] },
  { name: "t_in_limit", query: "SELECT id FROM l WHERE k IN (SELECT k FROM r ORDER BY w, id LIMIT 2)", columns: ["id"] },
  { name: "t_lateral_top1", query: "SELECT l.id, x.w FROM l, LATERAL (SELECT r.w FROM r WHERE r.k = l.k ORDER BY r.w DESC NULLS LAST, r.id LIMIT 1) AS x", columns: ["id", "w"] },
];
const RECOMPUTED = ["t_offset_only", "t_sub_limit", "t_in_limit", "t_lateral_top1"];

for (const major of pgVersions()) {
  describe(`TopK on PostgreSQL ${major}`, () => {
    const database = joinOracle(major, CASES, 6500 + major);
    let client: pg.Client;
    beforeAll(() => { client = database.client; });

    it("recomputes the top rows and changes only those that differ", async () => {
      expect(await storedOperatorTree(client, "t_top")).toBe("TopK(Project(Scan(public.l)))");
      await client.query("CREATE TABLE tk (id int PRIMARY KEY, v int)");
      await client.query("INSERT INTO tk SELECT g, 100 - g FROM generate_series(1, 20) g");  // the top 3 by v: ids 1, 2, 3
      await client.query("SELECT pgtrickle.create_stream_table('tk_top', 'SELECT id, v FROM tk ORDER BY v DESC LIMIT 3', refresh_mode => 'DIFFERENTIAL')");
      // id 0 enters first and id 3 drops out: every row moves one place, yet two of them stay.
      await client.query("INSERT INTO tk VALUES (0, 1000)");
      expect(await refresh(client, "tk_top")).toBe("DIFFERENTIAL");
      const last = await client.query(`SELECT rows_inserted::int AS ins, rows_deleted::int AS del FROM pgtrickle.pgt_refresh_history h
        JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = 'tk_top' ORDER BY h.refresh_id DESC LIMIT 1`);
      expect(last.rows).toEqual([{ ins: 1, del: 1 }]);
      expect((await client.query("SELECT id FROM tk_top ORDER BY id")).rows.map((r) => r.id)).toEqual([0, 1, 2]);
    });

    it("recomputes a query with a LIMIT below the top or an OFFSET without LIMIT, and says why", async () => {
      for (const c of CASES) {
        const tree = await storedOperatorTree(client, c.name);
        expect({ name: c.name, recomputed: tree.startsWith("Recompute(") }).toEqual({ name: c.name, recomputed: RECOMPUTED.includes(c.name) });
      }
      expect((await validation(client, "SELECT id, w FROM r ORDER BY w, id OFFSET 5")).warnings).toEqual(["OFFSET without LIMIT keeps rows by their position:"
        + " a refresh with changes runs the whole query and writes only the rows that differ"]);
    });

    it.each([
      ["SELECT id FROM l ORDER BY id LIMIT (SELECT 3)", "LIMIT or OFFSET other than an integer constant"],
      ["SELECT id FROM l LIMIT 3", "LIMIT without ORDER BY"],
    ])("refuses %s in DIFFERENTIAL mode with 0A000", async (query, construct) => {
      const error = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x_refused', $$" + query + "$$, refresh_mode => 'DIFFERENTIAL')"));
      expect(error).toMatchObject({ code: "0A000" });
      expect(error.message).toMatch(new RegExp(`^${construct.replace(/[()]/g, "\\$&")}.* is not supported in DIFFERENTIAL mode$`));
      expect(error.hint).toBeTruthy();
    });

    it("pg_trickle.ivm_topk_max_limit bounds LIMIT plus OFFSET", async () => {
      await client.query("SET pg_trickle.ivm_topk_max_limit = 10");
      const error = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x_big', 'SELECT id FROM l ORDER BY id LIMIT 8 OFFSET 3', refresh_mode => 'DIFFERENTIAL')"));
      expect(error).toMatchObject({ code: "0A000", message: "LIMIT plus OFFSET above pg_trickle.ivm_topk_max_limit (10) is not supported in DIFFERENTIAL mode" });
      await client.query("SELECT pgtrickle.create_stream_table('x_big', 'SELECT id FROM l ORDER BY id LIMIT 7 OFFSET 3', refresh_mode => 'DIFFERENTIAL')");
      await client.query("RESET pg_trickle.ivm_topk_max_limit");
      await client.query("SELECT pgtrickle.drop_stream_table('x_big')");
    });
  });
}
