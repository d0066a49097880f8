/**
 * @fileoverview WITH RECURSIVE under the multiset oracle over many rounds of random DML (the
 * tables and statements of the join oracle, read as graphs: r's rows are edges k → w, kl's
 * k → x, with duplicates), each case also as an IMMEDIATE twin: reachability and transitive
 * closure with UNION (a deleted edge can disconnect whole subtrees), paths with UNION ALL bounded
 * by depth, an aggregate over a recursive CTE, a recursive CTE joined to a table, and one that
 * reads no table joined to one, one in a subquery in FROM and one in LATERAL. A refresh with
 * changes runs the query and changes only the stored rows that differ. Also the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, joinOracle, errorOf, refresh, storedOperatorTree, createStreamTable, expectMatchesQuery } from "./oracle.ts";

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

    describe("pg_trickle.ivm_recursive_max_depth", () => {
      // A walk along hop's edges from node 1: the non-recursive term is depth 1, each edge one more.
      const WALK = "WITH RECURSIVE walk (n, d) AS (SELECT 1, 1 UNION ALL SELECT hop.b, walk.d + 1 FROM hop JOIN walk ON hop.a = walk.n) SELECT * FROM walk";
      const oracle = (name: string) => expectMatchesQuery(client, name, ["n", "d"], WALK, name);
      const deepest = async (name: string) => (await client.query(`SELECT max(d) AS d, count(*)::int AS c FROM ${name}`)).rows[0];
      const hops = async () => (await client.query("SELECT count(*)::int AS c FROM hop")).rows[0].c as number;

      beforeAll(async () => {
        await client.query("CREATE TABLE hop (a int, b int)");
        await client.query("INSERT INTO hop SELECT g, g + 1 FROM generate_series(1, 99) g");  // 1 → 2 → ... → 100: depth 100
        // A broken bound would make a statement below run forever: fail it instead.
        await client.query("SET statement_timeout = '60s'");
      });
      afterAll(async () => { await client.query("RESET statement_timeout"); });

      it("lets an IMMEDIATE recursion reach the bound, and rolls back the statement that goes past it with 54000", async () => {
        await createStreamTable(client, "walk_now", WALK, "IMMEDIATE");
        expect(await deepest("walk_now")).toEqual({ d: 100, c: 100 });
        const error = await errorOf(() => client.query("INSERT INTO hop VALUES (100, 101)"));
        expect(error).toMatchObject({
          code: "54000",
          message: 'recursion of "walk" in stream table "walk_now" exceeds pg_trickle.ivm_recursive_max_depth (100)',
          detail: "The recursion reached depth 101. IMMEDIATE maintenance recomputes the recursive query inside the transaction that changed its sources, so its recursion is bounded: a cycle in the data would make it endless.",
          hint: "Raise pg_trickle.ivm_recursive_max_depth (0 removes the bound), or use refresh_mode => 'DIFFERENTIAL', which recomputes the query outside the writing transaction.",
        });
        expect(await hops()).toBe(99);
        await oracle("walk_now");
      });

      it("reads the setting when the statement runs: higher lets it through, 0 removes the bound", async () => {
        await client.query("SET pg_trickle.ivm_recursive_max_depth = 101");
        await client.query("INSERT INTO hop VALUES (100, 101)");
        expect(await deepest("walk_now")).toEqual({ d: 101, c: 101 });
        await client.query("SET pg_trickle.ivm_recursive_max_depth = 0");
        await client.query("INSERT INTO hop SELECT g, g + 1 FROM generate_series(101, 149) g");
        expect(await deepest("walk_now")).toEqual({ d: 150, c: 150 });
        await oracle("walk_now");
        await client.query("RESET pg_trickle.ivm_recursive_max_depth");
        // Under the default bound again: a write keeping the walk too deep fails, one cutting it back passes.
        expect(await errorOf(() => client.query("DELETE FROM hop WHERE a = 149"))).toMatchObject({ code: "54000" });
        await client.query("DELETE FROM hop WHERE a >= 100");
        expect(await deepest("walk_now")).toEqual({ d: 100, c: 100 });
        await oracle("walk_now");
      });

      it("stops a cycle at the bound instead of recursing forever, inside a savepoint too", async () => {
        expect(await errorOf(() => client.query("INSERT INTO hop VALUES (50, 1)"))).toMatchObject({ code: "54000" });
        await client.query("BEGIN");
        await client.query("INSERT INTO hop VALUES (0, 1)");
        await client.query("SAVEPOINT s");
        expect(await errorOf(() => client.query("UPDATE hop SET b = 1 WHERE a = 99"))).toMatchObject({ code: "54000" });
        await client.query("ROLLBACK TO SAVEPOINT s");
        await client.query("SET LOCAL pg_trickle.ivm_recursive_max_depth = 101");
        await client.query("INSERT INTO hop VALUES (100, 101)");
        await client.query("COMMIT");
        expect(await hops()).toBe(101);
        expect(await deepest("walk_now")).toEqual({ d: 101, c: 101 });
        await client.query("DELETE FROM hop WHERE a IN (0, 100)");
        await oracle("walk_now");
      });

      it("does not bound DIFFERENTIAL (refreshed outside the writer's transaction); switching to IMMEDIATE does", async () => {
        await createStreamTable(client, "walk_later", WALK, "DIFFERENTIAL");
        await client.query("SELECT pgtrickle.drop_stream_table('walk_now')");
        await client.query("INSERT INTO hop SELECT g, g + 1 FROM generate_series(100, 199) g");
        expect(await refresh(client, "walk_later")).toBe("DIFFERENTIAL");
        expect(await deepest("walk_later")).toEqual({ d: 200, c: 200 });
        const bounded = async () => (await client.query(
          "SELECT refresh_mode, strpos(refresh_program::text, '_recursion_too_deep') > 0 AS bounded FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'walk_later'")).rows[0];
        expect(await bounded()).toEqual({ refresh_mode: "DIFFERENTIAL", bounded: false });
        // The switch recompiles the program and recomputes the table, in the caller's transaction: under the bound, it fails whole.
        expect(await errorOf(() => client.query("SELECT pgtrickle.alter_stream_table('walk_later', refresh_mode => 'IMMEDIATE')"))).toMatchObject({ code: "54000" });
        expect(await bounded()).toEqual({ refresh_mode: "DIFFERENTIAL", bounded: false });
        await client.query("SET pg_trickle.ivm_recursive_max_depth = 200");
        await client.query("SELECT pgtrickle.alter_stream_table('walk_later', refresh_mode => 'IMMEDIATE')");
        expect(await bounded()).toEqual({ refresh_mode: "IMMEDIATE", bounded: true });
        await client.query("RESET pg_trickle.ivm_recursive_max_depth");
        expect(await errorOf(() => client.query("INSERT INTO hop VALUES (200, 201)"))).toMatchObject({ code: "54000" });
        await client.query("SELECT pgtrickle.alter_stream_table('walk_later', refresh_mode => 'DIFFERENTIAL')");
        expect(await bounded()).toEqual({ refresh_mode: "DIFFERENTIAL", bounded: false });
        await client.query("INSERT INTO hop VALUES (200, 201)");
        expect(await refresh(client, "walk_later")).toBe("DIFFERENTIAL");
        expect(await deepest("walk_later")).toEqual({ d: 201, c: 201 });
        await oracle("walk_later");
        await client.query("SELECT pgtrickle.drop_stream_table('walk_later')");
        await client.query("DELETE FROM hop WHERE a >= 100");
      });

      it("keeps each CTE's own columns for every reader: a column list, SELECT *, no column list, several CTEs, a subquery", async () => {
        const queries: [string, string, string[]][] = [
          ["walk_star", "WITH RECURSIVE w (n, d) AS (SELECT 1, 1 UNION ALL SELECT hop.b, w.d + 1 FROM hop JOIN w ON hop.a = w.n) SELECT * FROM w", ["n", "d"]],
          ["walk_rows", "WITH RECURSIVE w AS (SELECT 1 AS n UNION ALL SELECT hop.b FROM hop JOIN w ON hop.a = w.n) SELECT w::text AS r, (SELECT count(*) FROM w AS x) AS c FROM w", ["r", "c"]],
          ["walk_two", `WITH RECURSIVE up (n) AS (SELECT 100 UNION ALL SELECT hop.a FROM hop JOIN up ON hop.b = up.n),
            down (n, d) AS (SELECT n, 1 FROM up WHERE n = 1 UNION ALL SELECT hop.b, down.d + 1 FROM hop JOIN down ON hop.a = down.n),
            reach (n) AS (SELECT 1 UNION SELECT hop.b FROM hop JOIN reach ON hop.a = reach.n)
            SELECT * FROM (SELECT * FROM down) AS s NATURAL JOIN up NATURAL JOIN reach`, ["n", "d"]],
          ["walk_lateral", "SELECT s.* FROM hop AS h CROSS JOIN LATERAL (WITH RECURSIVE w AS (SELECT h.a AS n UNION ALL SELECT hop.b FROM hop JOIN w ON hop.a = w.n) SELECT * FROM w) AS s WHERE h.a < 3", ["n"]],
        ];
        for (const [name, query, columns] of queries) {
          await createStreamTable(client, name, query, "IMMEDIATE");
          const stored = await client.query("SELECT array_agg(attname::text ORDER BY attnum) AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped", [name]);
          expect(stored.rows[0].c, name).toEqual(columns);
          expect(await errorOf(() => client.query("INSERT INTO hop VALUES (100, 101)"))).toMatchObject({ code: "54000", message: expect.stringContaining(`in stream table "${name}"`) });
          await client.query("DELETE FROM hop WHERE a = 99");
          await client.query("INSERT INTO hop VALUES (99, 100)");
          await expectMatchesQuery(client, name, columns, query, name);
          await client.query(`SELECT pgtrickle.drop_stream_table('${name}')`);
        }
        expect((await client.query("SELECT immediate FROM pgtrickle.validate_query($1)", [WALK])).rows[0].immediate)
          .toBe('a DIFFERENTIAL refresh at the end of each statement writing its sources; the recursion of "walk" bounded by pg_trickle.ivm_recursive_max_depth');
      });
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
