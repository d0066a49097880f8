/**
 * @fileoverview The multiset oracle for subqueries in expressions over many rounds of random DML
 * (the tables and statements of the join oracle): EXISTS and NOT EXISTS, IN and NOT IN (with
 * NULLs on both sides, so SQL's three-valued logic is exercised), `= ANY`, `<> ALL`, row values,
 * scalar subqueries in WHERE, the select list and HAVING, correlated and not, under OR, NOT and
 * CASE, nested, over a grouping subquery and over UNION, correlated by other conditions (with one
 * table: Q21's shape). Also the refusals, and IMMEDIATE mode.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, joinOracle, createStreamTable, expectMatchesQuery, refresh, errorOf } from "./oracle.ts";

const CASES: OracleCase[] = [
  // Uncorrelated scalar subqueries over a grouped query: joined above its groups (Q11's shape).
  { name: "s_share", query: "SELECT l.k, sum(l.v) * 100 / NULLIF((SELECT sum(v) FROM l), 0) AS pct FROM l GROUP BY l.k", columns: ["k", "pct"] },
  { name: "s_having_total", query: "SELECT r.k, count(*) AS n FROM r GROUP BY r.k HAVING count(*) > (SELECT count(*) FROM r) / 6.0 AND r.k IS NOT NULL", columns: ["k", "n"] },
  // A scalar subquery without FROM is its expression.
  { name: "s_no_from", query: "SELECT l.id, (SELECT l.v + 1) AS v1 FROM l WHERE (SELECT l.k) IS NOT NULL", columns: ["id", "v1"] },
  { name: "s_exists", query: "SELECT l.id, l.v FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND r.w > 3)", columns: ["id", "v"] },
  { name: "s_not_exists", query: "SELECT l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.k = l.k)", columns: ["id"] },
  { name: "s_exists_or", query: "SELECT l.id FROM l WHERE EXISTS (SELECT 1 FROM kl WHERE kl.k = l.k) OR l.v > 7", columns: ["id"] },
  { name: "s_exists_uncorrelated", query: "SELECT l.id FROM l WHERE l.v > 4 AND EXISTS (SELECT 1 FROM r WHERE r.w = 9 AND r.k = 3)", columns: ["id"] },
  { name: "s_exists_two_keys", query: "SELECT l.id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND l.v = r.w)", columns: ["id"] },
  { name: "s_exists_keyless", query: "SELECT l.id, l.tag FROM l WHERE EXISTS (SELECT 1 FROM kl WHERE kl.x = l.v AND kl.k > 1)", columns: ["id", "tag"] },
  { name: "s_in", query: "SELECT l.id FROM l WHERE l.k IN (SELECT k FROM r WHERE w > 2)", columns: ["id"] },
  { name: "s_not_in", query: "SELECT l.id, l.v FROM l WHERE l.v NOT IN (SELECT x FROM kl WHERE k = 2)", columns: ["id", "v"] },
  { name: "s_not_in_correlated", query: "SELECT l.id, l.v NOT IN (SELECT w FROM r WHERE r.k = l.k) AS ni FROM l", columns: ["id", "ni"] },
  { name: "s_in_select", query: "SELECT l.id, l.k IN (SELECT x FROM kl) AS i FROM l", columns: ["id", "i"] },
  { name: "s_in_row", query: "SELECT l.id FROM l WHERE (l.k, l.v) IN (SELECT k, w FROM r)", columns: ["id"] },
  { name: "s_any_all", query: "SELECT l.id FROM l WHERE l.v = ANY (SELECT w FROM r WHERE r.k = l.k) OR l.v <> ALL (SELECT x FROM kl)", columns: ["id"] },
  { name: "s_scalar_select", query: "SELECT l.id, (SELECT count(*) FROM r WHERE r.k = l.k) AS n, (SELECT sum(w) FROM r WHERE r.k = l.k) AS s FROM l", columns: ["id", "n", "s"] },
  { name: "s_scalar_where", query: "SELECT l.id, l.v FROM l WHERE l.v < (SELECT 0.5 * avg(w) FROM r WHERE r.k = l.k)", columns: ["id", "v"] },
  { name: "s_scalar_uncorrelated", query: "SELECT l.id, l.v FROM l WHERE l.v > (SELECT avg(w) FROM r)", columns: ["id", "v"] },
  // A scalar subquery of one row (r.id is r's key), correlated and not.
  { name: "s_scalar_row", query: "SELECT l.id, (SELECT r.w FROM r WHERE r.id = l.k) AS w FROM l WHERE l.v <> (SELECT r.w FROM r WHERE r.id = 3)", columns: ["id", "w"] },
  { name: "s_count_no_rows", query: "SELECT l.id, (SELECT count(r.w) + 1 FROM r WHERE r.k = l.k) AS c FROM l", columns: ["id", "c"] },
  { name: "s_having", query: "SELECT k, sum(v) AS s FROM l GROUP BY k HAVING sum(v) > (SELECT sum(w) / 8 FROM r)", columns: ["k", "s"] },
  { name: "s_grouped_select", query: "SELECT l.k, count(*) AS n, (SELECT max(w) FROM r WHERE r.k = l.k) AS mx FROM l GROUP BY l.k", columns: ["k", "n", "mx"] },
  { name: "s_case", query: "SELECT l.id, CASE WHEN EXISTS (SELECT 1 FROM kl WHERE kl.x = l.v) THEN 'y' ELSE 'n' END AS e FROM l", columns: ["id", "e"] },
  { name: "s_nested", query: "SELECT l.id FROM l WHERE l.k IN (SELECT r.k FROM r WHERE r.w IN (SELECT x FROM kl))", columns: ["id"] },
  { name: "s_nested_correlated", query: "SELECT l.id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND NOT EXISTS (SELECT 1 FROM kl WHERE kl.k = r.w))", columns: ["id"] },
  { name: "s_in_grouped", query: "SELECT l.id FROM l WHERE l.k IN (SELECT k FROM r GROUP BY k HAVING count(*) > 2)", columns: ["id"] },
  { name: "s_exists_grouped", query: "SELECT l.id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k GROUP BY r.w HAVING count(*) > 1)", columns: ["id"] },
  { name: "s_in_union", query: "SELECT l.id FROM l WHERE l.k NOT IN (SELECT k FROM r WHERE w < 3 UNION SELECT x FROM kl WHERE x > 2)", columns: ["id"] },
  { name: "s_outer_join", query: "SELECT l.id, r.id AS rid FROM l LEFT JOIN r ON r.k = l.k WHERE NOT EXISTS (SELECT 1 FROM kl WHERE kl.k = r.w)", columns: ["id", "rid"] },
  { name: "s_in_from_subquery", query: "SELECT d.id FROM (SELECT id, k FROM l WHERE k IN (SELECT k FROM kl)) AS d JOIN r ON r.k = d.k", columns: ["id"] },
  { name: "s_nonequi", query: "SELECT l.id, l.k FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND r.w > l.v)", columns: ["id", "k"] },
  { name: "s_nonequi_not", query: "SELECT l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.k IS NOT DISTINCT FROM l.k AND r.id <> l.id)", columns: ["id"] },
  { name: "s_nonequi_scalar", query: "SELECT l.id, (SELECT count(*) FROM kl WHERE kl.x < l.v) AS below FROM l", columns: ["id", "below"] },
  { name: "s_self_q21", query: "SELECT a.id FROM r AS a WHERE EXISTS (SELECT 1 FROM r AS b WHERE b.k = a.k AND b.w <> a.w) AND NOT EXISTS (SELECT 1 FROM r AS c WHERE c.k = a.k AND c.w > a.w)", columns: ["id"] },
  // `<>` with equalities, as the least and greatest value per key: NULLs on either side, the outer side first, in the select list.
  { name: "s_apart_select", query: "SELECT l.id, EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND l.v <> r.w) AS other FROM l", columns: ["id", "other"] },
  { name: "s_apart_not", query: "SELECT a.id, a.w FROM r AS a WHERE NOT EXISTS (SELECT 1 FROM r AS b WHERE b.k = a.k AND b.w <> a.w AND b.id > 2)", columns: ["id", "w"] },
  // A set of keys in FROM (its delta counts each changed key's rows, up to what the change could remove), NULL keys included.
  { name: "s_distinct_from", query: "SELECT l.id, d.w FROM l JOIN (SELECT DISTINCT k, w FROM r) AS d ON d.k = l.k", columns: ["id", "w"] },
  { name: "s_grouped_where", query: "SELECT l.tag, count(*) AS n FROM l WHERE l.k NOT IN (SELECT k FROM kl WHERE k IS NOT NULL) GROUP BY l.tag", columns: ["tag", "n"] },
];

for (const major of pgVersions()) {
  describe(`subqueries in expressions on PostgreSQL ${major}`, () => {
    const database = joinOracle(major, CASES, 7310 + major);
    let client: pg.Client;
    beforeAll(() => { client = database.client; });

    it("NOT IN turns with the inner side's NULLs and emptiness", async () => {
      const c = CASES.find((x) => x.name === "s_not_in")!;
      // A NULL among the inner values: NOT IN is never true.
      await client.query("INSERT INTO kl VALUES (2, NULL)");
      expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, c.name, c.columns, c.query, "inner NULL");
      expect((await client.query("SELECT count(*)::int AS n FROM s_not_in")).rows[0].n).toBe(0);
      // An empty inner side: NOT IN is true for every row, a NULL one too.
      await client.query("DELETE FROM kl WHERE k = 2");
      expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, c.name, c.columns, c.query, "inner empty");
      expect((await client.query("SELECT count(*)::int AS n FROM s_not_in")).rows[0].n)
        .toBe((await client.query("SELECT count(*)::int AS n FROM l")).rows[0].n);
    });

    it("IN across types compares as PostgreSQL does: numerics equal as floats do not multiply a row", async () => {
      await client.query("CREATE TABLE fl (id int PRIMARY KEY, f float8); CREATE TABLE nu (n numeric)");
      await client.query("INSERT INTO fl VALUES (1, 1), (2, 2), (3, NULL); INSERT INTO nu VALUES (1.00000000000000001), (1), (3)");
      const c = { name: "s_cross_type", query: "SELECT fl.id, fl.f FROM fl WHERE fl.f IN (SELECT n FROM nu) OR fl.f NOT IN (SELECT n + 1 FROM nu)", columns: ["id", "f"] };
      await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
      await expectMatchesQuery(client, c.name, c.columns, c.query, "initial");
      await client.query("INSERT INTO nu VALUES (2.000000000000000001), (NULL); INSERT INTO fl VALUES (4, 3), (5, 1); DELETE FROM nu WHERE n = 1");
      expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, c.name, c.columns, c.query, "after changes");
    });

    it("EXISTS with `<>` over text keeps the least and greatest value; over boolean, which has neither, the join with the outer table", async () => {
      await client.query("CREATE TABLE ap (id int PRIMARY KEY, k int, t text, b boolean)");
      await client.query("INSERT INTO ap SELECT g, g % 4, CASE WHEN g % 5 = 0 THEN NULL ELSE 'v' || (g % 3) END, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 2 = 0 END FROM generate_series(1, 40) AS g");
      const cases = [
        { name: "s_apart_text", query: "SELECT a.id FROM ap AS a WHERE EXISTS (SELECT 1 FROM ap AS o WHERE o.k = a.k AND o.t <> a.t)", columns: ["id"] },
        { name: "s_apart_bool", query: "SELECT a.id FROM ap AS a WHERE NOT EXISTS (SELECT 1 FROM ap AS o WHERE o.k = a.k AND o.b <> a.b)", columns: ["id"] },
      ];
      for (const c of cases) {
        await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
        await expectMatchesQuery(client, c.name, c.columns, c.query, "initial");
      }
      await client.query("UPDATE ap SET t = 'v1', b = NOT b WHERE id % 3 = 0; DELETE FROM ap WHERE id % 11 = 0; UPDATE ap SET k = k + 1 WHERE id % 4 = 1");
      for (const c of cases) {
        expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
        await expectMatchesQuery(client, c.name, c.columns, c.query, "after changes");
      }
    });

    it("a scalar subquery of more than one row for a row that reads it fails as the query does (21000), not for a row nobody reads", async () => {
      await client.query("CREATE TABLE sq_o (id int PRIMARY KEY, k int); CREATE TABLE sq_s (k int, v text)");
      await client.query("INSERT INTO sq_o VALUES (1, 1), (2, 2); INSERT INTO sq_s VALUES (1, 'a'), (9, 'x'), (9, 'y'), (NULL, 'n1'), (NULL, 'n2')");
      const c = { name: "s_scalar_rows", query: "SELECT sq_o.id, (SELECT sq_s.v FROM sq_s WHERE sq_s.k = sq_o.k) AS v FROM sq_o", columns: ["id", "v"] };
      await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
      await createStreamTable(client, `${c.name}_imm`, c.query, "IMMEDIATE");
      await expectMatchesQuery(client, c.name, c.columns, c.query, "two rows for keys nobody reads");
      await client.query("INSERT INTO sq_s VALUES (2, 'b')");
      expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, c.name, c.columns, c.query, "one row each");
      await expectMatchesQuery(client, `${c.name}_imm`, c.columns, c.query, "one row each, IMMEDIATE");
      // A second row for key 2: the query fails, and so do the IMMEDIATE writer and the refresh.
      expect(await errorOf(() => client.query("INSERT INTO sq_s VALUES (2, 'c')"))).toMatchObject({
        code: "21000", message: "more than one row returned by a subquery used as an expression" });
      await client.query("SELECT pgtrickle.drop_stream_table('s_scalar_rows_imm')");
      await client.query("INSERT INTO sq_s VALUES (2, 'c')");
      expect(await errorOf(() => client.query(c.query))).toMatchObject({ code: "21000" });
      expect(await errorOf(() => client.query("SELECT pgtrickle.refresh_stream_table('s_scalar_rows')"))).toMatchObject({
        code: "21000", message: "more than one row returned by a subquery used as an expression" });
      await client.query("DELETE FROM sq_s WHERE v = 'b'");
      expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, c.name, c.columns, c.query, "one row again");
    });

    it.each([
      ["SELECT l.id FROM l, kl WHERE EXISTS (SELECT 1 FROM r WHERE r.k < l.k AND r.w > kl.x)",
        "a subquery correlated other than by equalities of columns of one type (inner = outer), or with more than one table of the enclosing query"],
      ["SELECT l.id, (SELECT r.k FROM r WHERE r.id = l.k GROUP BY r.k) AS k FROM l", "a scalar subquery other than one aggregate row (no GROUP BY, HAVING or DISTINCT)"],
      ["SELECT l.id FROM l WHERE l.v > ALL (SELECT w FROM r)", "a subquery with ALL and operator >"],
      ["SELECT l.id FROM l WHERE NOT ((l.k, l.v) IN (SELECT k, w FROM r))", "a row value IN a subquery under NOT or OR"],
    ])("refuses %s in DIFFERENTIAL mode with 0A000 and a hint", async (query, construct) => {
      const error = await errorOf(() => client.query("SELECT pgtrickle.create_stream_table('x_refused', $$" + query + "$$, refresh_mode => 'DIFFERENTIAL')"));
      expect(error).toMatchObject({ code: "0A000", message: `${construct} is not supported in DIFFERENTIAL mode` });
      expect(error.hint).toBeTruthy();
      expect((await client.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'x_refused'")).rows[0].n).toBe(0);
    });
  });
}
