/**
 * @fileoverview WITH RECURSIVE under the multiset oracle over many rounds of random DML (the
 * tables and statements of the join oracle, read as graphs: r's rows are edges k → w, kl's
 * k → x, with duplicates), each case also as an IMMEDIATE twin: reachability and transitive
 * closure with UNION (a deleted edge can disconnect whole subtrees), paths with UNION ALL bounded
 * by depth, an aggregate over a recursive CTE, a recursive CTE joined to a table, and one that
 * reads no table joined to one, one in a subquery in FROM and one in LATERAL. A refresh with
 * changes runs the query and changes only the stored rows that differ. Also the refusals.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, joinOracle, errorOf, refresh, storedOperatorTree } from "./oracle.ts";

const CASES: OracleCase[] = [
  { name: "rec_reach", query: "WITH RECURSIVE reach (n) AS (SELECT 1 UNION SELECT r.w FROM r JOIN reach ON r.k = reach.n) SELECT n FROM reach", columns: ["n"] },
  { name: "rec_closure", query: "WITH RECURSIVE tc (a, b) AS (SELECT k, w FROM r UNION SELECT tc.a, r.w FROM tc JOIN r ON r.k = tc.b) SELECT a, b FROM tc", columns: ["a", "b"] },
  { name: "rec_paths", query: "WITH RECURSIVE p (n, d) AS (SELECT k, 0 FROM kl WHERE k = 2 UNION ALL SELECT kl.x, p.d + 1 FROM kl JOIN p ON kl.k = p.n WHERE p.d < 3) SELECT n, d FROM p", columns: ["n", "d"] },
  { name: "rec_grouped", query: "WITH RECURSIVE p (start, n, d) AS (SELECT id, k, 0 FROM l WHERE v < 3 UNION ALL SELECT p.start, r.w, p.d + 1 FROM p JOIN r ON r.k = p.n WHERE p.d < 2) SELECT d, count(*) AS c, count(DISTINCT n) AS nodes FROM p GROUP BY d", columns: ["d", "c", "nodes"] },
  { name: "rec_joined", query: "WITH RECURSIVE reach (n) AS (SELECT 3 UNION SELECT kl.x FROM kl JOIN reach ON kl.k = reach.n) SELECT l.id, l.k FROM l JOIN reach ON reach.n = l.k", columns: ["id", "k"] },
  // WITH RECURSIVE in a subquery, in FROM and in LATERAL: the whole query is recomputed.
  { name: "rec_in_from", query: "SELECT s.n, l.id FROM (WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT n FROM c) AS s JOIN l ON l.k = s.n", columns: ["n", "id"] },
  { name: "rec_lateral", query: "SELECT r.id, x.a FROM r CROSS JOIN LATERAL (WITH RECURSIVE c (a) AS (SELECT r.k UNION SELECT a + 1 FROM c WHERE a < 4) SELECT a FROM c) AS x", columns: ["id", "a"] },
  { name: "rec_series", query: "WITH RECURSIVE s (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 4) SELECT r.id, s.i FROM r JOIN s ON s.i = r.k", columns: ["id", "i"] },
];

for (const major of pgVersions()) {
  describe(`WITH RECURSIVE on PostgreSQL ${major}`, () => {
    const database = joinOracle(major, CASES, 8100 + major);
    let client: pg.Client;
    beforeAll(() => { client = database.client; });

    it("runs the query only when a source changed, and writes only the rows that differ", async () => {
      expect(await storedOperatorTree(client, "rec_closure")).toBe("Recursive(Scan(public.r))");
      expect(await storedOperatorTree(client, "rec_lateral")).toBe("Recursive(Scan(public.r))");
      await client.query("CREATE TABLE edge (a int, b int)");
      await client.query("INSERT INTO edge SELECT g, g + 1 FROM generate_series(1, 20) g");  // a chain 1 → 2 → ... → 21
      await client.query(`SELECT pgtrickle.create_stream_table('chain', $$WITH RECURSIVE reach (n) AS (SELECT 1 UNION SELECT edge.b FROM edge JOIN reach ON edge.a = reach.n) SELECT n FROM reach$$, refresh_mode => 'DIFFERENTIAL')`);
      expect(await refresh(client, "chain")).toBe("NO_DATA");
      // Cutting the chain after 10 removes 11 nodes at once; nothing else is written.
      await client.query("DELETE FROM edge WHERE a = 10");
      expect(await refresh(client, "chain")).toBe("DIFFERENTIAL");
      const last = await client.query(`SELECT rows_inserted::int AS ins, rows_deleted::int AS del FROM pgtrickle.pgt_refresh_history h
        JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = 'chain' ORDER BY h.refresh_id DESC LIMIT 1`);
      expect(last.rows).toEqual([{ ins: 0, del: 11 }]);
      expect((await client.query("SELECT max(n) AS m, count(*)::int AS c FROM chain")).rows).toEqual([{ m: 10, c: 10 }]);
    });

    it.each([
      ["WITH RECURSIVE reach (n) AS (SELECT 1 UNION SELECT w FROM rv JOIN reach ON rv.k = reach.n) SELECT n FROM reach", "WITH RECURSIVE reading a view"],
      ["WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT n FROM c", "a query that reads no table"],
    ])("refuses %s in DIFFERENTIAL mode with 0A000", async (query, construct) => {
      await client.query("CREATE OR REPLACE VIEW rv AS SELECT k, w FROM r");
      const error = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x_refused', $$" + query + "$$, refresh_mode => 'DIFFERENTIAL')"));
      expect(error).toMatchObject({ code: "0A000" });
      expect(error.message).toMatch(new RegExp(`^${construct}.* is not supported in DIFFERENTIAL mode$`));
      expect(error.hint).toBeTruthy();
    });
  });
}
