/**
 * @fileoverview Functions in FROM — generate_series, unnest (WITH ORDINALITY), jsonb_each_text,
 * jsonb_to_recordset with a column definition list — under the multiset oracle over many rounds of
 * random DML (the tables and statements of the join oracle), each case also as an IMMEDIATE twin.
 * A call reading the FROM items before it is evaluated for their rows: joined, LEFT JOINed with
 * and without a condition, reading two tables, under a join, grouped, on the nullable side of an
 * outer join; a call reading nothing is a constant relation. A set-returning function in a select
 * list is the same call in FROM after every other item, or, in a query that groups, over its
 * groups. Also the refusals: elsewhere in an
 * expression a set-returning function is refused with a hint to move it into FROM.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, joinOracle, errorOf, storedOperatorTree } from "./oracle.ts";

const CASES: OracleCase[] = [
  { name: "f_series", query: "SELECT l.id, g.n FROM l, generate_series(1, l.v % 4) AS g (n)", columns: ["id", "n"] },
  { name: "f_ordinality", query: "SELECT l.id, u.x, u.ord FROM l CROSS JOIN LATERAL unnest(ARRAY[l.k, l.v, l.k]) WITH ORDINALITY AS u (x, ord)", columns: ["id", "x", "ord"] },
  // A scalar result is named by the alias.
  { name: "f_left", query: "SELECT l.id, g FROM l LEFT JOIN LATERAL generate_series(1, l.v % 3) AS g ON true", columns: ["id", "g"] },
  { name: "f_left_condition", query: "SELECT r.id, g.n FROM r LEFT JOIN LATERAL generate_series(r.k, r.w) AS g (n) ON g.n % 2 = 0", columns: ["id", "n"] },
  { name: "f_out_parameters", query: "SELECT l.id, e.key, e.value FROM l, jsonb_each_text(jsonb_build_object('k', l.k, 'tag', l.tag)) AS e WHERE e.value IS NOT NULL", columns: ["id", "key", "value"] },
  { name: "f_definition_list", query: "SELECT r.id, x.a, x.b FROM r, jsonb_to_recordset(jsonb_build_array(jsonb_build_object('a', r.k, 'b', r.w), jsonb_build_object('a', r.w))) AS x (a int, b int)", columns: ["id", "a", "b"] },
  { name: "f_two_tables", query: "SELECT l.id, r.id AS rid, g.n FROM l JOIN r ON r.k = l.k, generate_series(l.v, r.w) AS g (n)", columns: ["id", "rid", "n"] },
  { name: "f_then_join", query: "SELECT l.id, r.id AS rid FROM l CROSS JOIN LATERAL unnest(ARRAY[l.k, l.v]) AS u (key) JOIN r ON r.k = u.key", columns: ["id", "rid"] },
  { name: "f_grouped", query: "SELECT u.x, count(*) AS n FROM kl, unnest(ARRAY[kl.k, kl.x]) AS u (x) GROUP BY u.x", columns: ["x", "n"] },
  { name: "f_nullable", query: "SELECT kl.k, s.id, s.n FROM kl LEFT JOIN (SELECT r.id, r.k, g.n FROM r, generate_series(1, r.w % 3) AS g (n)) AS s ON s.k = kl.k", columns: ["k", "id", "n"] },
  { name: "f_constant", query: "SELECT l.id, g.n FROM l JOIN generate_series(1, 3) AS g (n) ON g.n = l.k", columns: ["id", "n"] },
  { name: "f_exists", query: "SELECT l.id FROM l WHERE EXISTS (SELECT 1 FROM r, generate_series(0, r.w) AS g (n) WHERE r.k = l.k AND g.n = l.v)", columns: ["id"] },
  // A set-returning function in a select list: the call in FROM after every other item.
  { name: "s_unnest", query: "SELECT id, unnest(ARRAY[k, v, k]) AS x FROM l", columns: ["id", "x"] },
  { name: "s_twice", query: "SELECT id, generate_series(1, v % 3) AS a, generate_series(1, v % 3) * 10 AS b FROM l WHERE k > 2", columns: ["id", "a", "b"] },
  { name: "s_distinct", query: "SELECT DISTINCT unnest(ARRAY[k, x]) AS u FROM kl", columns: ["u"] },
  // Over groups it is called once per group, its arguments read from the group's keys and aggregates.
  { name: "s_over_groups", query: "SELECT k, generate_series(1, count(*)::int % 4) AS x, max(v) AS m FROM l GROUP BY k HAVING count(*) > 1", columns: ["k", "x", "m"] },
  { name: "s_over_one_group", query: "SELECT max(w) AS m, generate_series(1, 3) AS g FROM r", columns: ["m", "g"] },
  { name: "s_over_from_function", query: "SELECT l.id, generate_series(g.n, 2) AS x FROM l, generate_series(1, l.v % 3) AS g (n)", columns: ["id", "x"] },
];

for (const major of pgVersions()) {
  describe(`functions in FROM on PostgreSQL ${major}`, () => {
    const database = joinOracle(major, CASES, 7300 + major);
    let client: pg.Client;
    beforeAll(() => { client = database.client; });

    it("shows the function in the operator tree, and captures only the columns its call reads", async () => {
      expect(await storedOperatorTree(client, "f_series")).toBe("Project(InnerJoin(Scan(public.l), Function(\"generate_series\")))");
    });

    it.each([
      ["SELECT id FROM l WHERE k IN (SELECT generate_series(1, 3))", "set-returning function generate_series\\(\\) in this position"],
      ["SELECT id, unnest(ARRAY[k]) AS a, generate_series(1, 2) AS b FROM l", "more than one set-returning function in a select list"],
      ["SELECT k, generate_series(1, 2) AS x FROM l GROUP BY ROLLUP (k)", "a set-returning function in a select list with GROUP BY"],
      ["SELECT k, generate_series(1, 2) AS x, rank() OVER (ORDER BY k) AS rk FROM l", "a set-returning function in a select list with GROUP BY"],
      ["SELECT l.id, u.x FROM l, ROWS FROM (unnest(ARRAY[l.k]), unnest(ARRAY[l.v])) AS u (x, y)", "ROWS FROM"],
      ["SELECT l.id, u.x FROM l, unnest(ARRAY[l.k]) AS u (x) JOIN r ON r.k = u.x", "a function in FROM that reads other FROM items, in a join whose left side does not hold them"],
      ["SELECT l.id FROM l WHERE EXISTS (SELECT 1 FROM unnest(ARRAY[l.k, l.v]) AS u (x) WHERE u.x > 3)", "a function in FROM that reads the enclosing query"],
    ])("refuses %s in DIFFERENTIAL mode with 0A000 and a hint", async (query, construct) => {
      const error = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x_refused', $$" + query + "$$, refresh_mode => 'DIFFERENTIAL')"));
      expect(error).toMatchObject({ code: "0A000" });
      expect(error.message).toMatch(new RegExp(`^${construct}.* is not supported in DIFFERENTIAL mode$`));
      expect(error.hint).toBeTruthy();
      // AUTO keeps such a query, refreshed in full.
      await client.query("SELECT pgtrickle.create_stream_table('x_auto', $$" + query + "$$, refresh_mode => 'AUTO')");
      const mode = await client.query("SELECT effective_refresh_mode AS m FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'x_auto'");
      expect(mode.rows[0].m).toBe("FULL");
      await client.query("SELECT pgtrickle.drop_stream_table('x_auto')");
    });

    it("reports a function that does not exist, and a record without column definitions, as PostgreSQL does", async () => {
      const missing = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x_missing', $$SELECT l.id FROM l, no_such_function(l.k) AS f$$)"));
      expect(missing).toMatchObject({ code: "42883" });
      const record = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x_record', $$SELECT r.id, x.a FROM r, jsonb_to_record(jsonb_build_object('a', r.k)) AS x$$)"));
      expect(record).toMatchObject({ code: "42601", message: "a column definition list is required for functions returning \"record\"" });
      const left = await client.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('x_missing', 'x_record')");
      expect(left.rows[0].n).toBe(0);
    });
  });
}
