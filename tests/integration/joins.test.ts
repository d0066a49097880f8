/**
 * @fileoverview The multiset oracle for joins over many rounds of random DML: inner, LEFT, RIGHT,
 * FULL, CROSS and comma joins, USING and NATURAL, self-joins, keyless sources with duplicates,
 * non-equi conditions, flattened subqueries (also on the nullable side), multi-way joins with an
 * outer join inside, a three-way join through a restricted table's primary key, aggregates over
 * joins, subqueries in FROM (and a view) that group, UNION ALL and UNION (at the top, nested, in
 * FROM, on the nullable side), INTERSECT and EXCEPT (ALL too), VALUES and SELECT without FROM, and WITH
 * (referenced twice, grouping, chained, in a subquery), LATERAL subqueries (grouping or not). The random statements change join keys
 * on both sides within one refresh window, set keys to NULL, delete matching rows on both sides
 * and change primary keys; several tables change between two refreshes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, joinOracle, expectMatchesQuery, refresh } from "./oracle.ts";

const CASES: OracleCase[] = [
  { name: "j_inner", query: "SELECT l.id, l.v, r.w FROM l JOIN r ON l.k = r.k", columns: ["id", "v", "w"] },
  { name: "j_left", query: "SELECT l.id, r.id AS rid, r.w FROM l LEFT JOIN r ON l.k = r.k", columns: ["id", "rid", "w"] },
  { name: "j_right_nonequi", query: "SELECT l.id AS lid, r.id, r.w FROM l RIGHT JOIN r ON l.k = r.k AND l.v > r.w", columns: ["lid", "id", "w"] },
  { name: "j_full", query: "SELECT l.id AS lid, r.id AS rid, l.tag FROM l FULL JOIN r ON l.k = r.k", columns: ["lid", "rid", "tag"] },
  { name: "j_full_using", query: "SELECT k, l.v, r.w FROM l FULL JOIN r USING (k)", columns: ["k", "v", "w"] },
  { name: "j_comma", query: "SELECT l.id, r.id AS rid FROM l, r WHERE l.k = r.k AND l.v < r.w", columns: ["id", "rid"] },
  { name: "j_cross", query: "SELECT l.tag, t.x FROM l CROSS JOIN kl AS t WHERE t.x < 2", columns: ["tag", "x"] },
  { name: "j_self", query: "SELECT a.id, b.id AS bid FROM l AS a JOIN l AS b ON a.k = b.v", columns: ["id", "bid"] },
  { name: "j_keyless", query: "SELECT l.id, kl.x FROM l JOIN kl ON kl.k = l.k", columns: ["id", "x"] },
  { name: "j_keyless_left", query: "SELECT kl.k, kl.x, r.id FROM kl LEFT JOIN r ON r.k = kl.k", columns: ["k", "x", "id"] },
  { name: "j_three_left_inside", query: "SELECT l.id, r.w, kl.x FROM l JOIN r ON r.k = l.k LEFT JOIN kl ON kl.k = r.w", columns: ["id", "w", "x"] },
  { name: "j_left_of_left", query: "SELECT l.id, r.id AS rid, kl.x FROM l LEFT JOIN r ON r.k = l.k LEFT JOIN kl ON kl.k = r.w", columns: ["id", "rid", "x"] },
  { name: "j_nested_right", query: "SELECT l.id, s.rid FROM l LEFT JOIN (r JOIN kl ON kl.k = r.w) AS s (rid, rk, rw) ON s.rk = l.k", columns: ["id", "rid"] },
  { name: "j_subquery", query: "SELECT d.id, d.vv, r.w FROM (SELECT id, k, v * 2 AS vv FROM l WHERE v > 0) AS d JOIN r ON r.k = d.k", columns: ["id", "vv", "w"] },
  { name: "j_subquery_nullable", query: "SELECT l.id, x.rid FROM l LEFT JOIN (SELECT r.id AS rid, r.k FROM r JOIN kl ON kl.x = r.w) AS x ON x.k = l.k", columns: ["id", "rid"] },
  // Computed columns on the nullable side: the subquery is a relation of its own, padded with NULLs.
  { name: "j_computed_nullable", query: "SELECT l.id, x.w2, x.one, x.k FROM l LEFT JOIN (SELECT r.k, r.w * 2 AS w2, 1 AS one FROM r) AS x ON x.k = l.k", columns: ["id", "w2", "one", "k"] },
  { name: "j_computed_full", query: "SELECT a.z, b.z AS bz FROM (SELECT coalesce(k, 0) AS z FROM l) AS a FULL JOIN (SELECT coalesce(k, -1) AS z FROM kl) AS b USING (z)", columns: ["z", "bz"] },
  { name: "j_natural", query: "SELECT * FROM (SELECT id AS lid, k FROM l) AS a NATURAL JOIN (SELECT id AS rid, k FROM r) AS b", columns: ["k", "lid", "rid"] },
  { name: "j_group", query: "SELECT l.tag, count(*) AS n, count(r.w) AS nw, sum(r.w) AS s FROM l LEFT JOIN r ON r.k = l.k GROUP BY l.tag", columns: ["tag", "n", "nw", "s"] },
  { name: "j_global", query: "SELECT count(*) AS n, sum(l.v * r.w) AS s FROM l JOIN r ON r.k = l.k", columns: ["n", "s"] },
  { name: "j_three_restricted", query: "SELECT l.id, l.v, r.w, kl.x FROM l, r, kl WHERE r.id = l.k AND r.w > 3 AND kl.k = l.id % 5", columns: ["id", "v", "w", "x"] },
  { name: "j_distinct", query: "SELECT DISTINCT l.tag, r.w FROM l FULL JOIN r ON r.k = l.k", columns: ["tag", "w"] },
  // Subqueries in FROM that group (derived tables), and a view that groups.
  { name: "d_join", query: "SELECT l.id, s.total, s.n FROM l JOIN (SELECT k, sum(w) AS total, count(*) AS n FROM r GROUP BY k) AS s ON s.k = l.k", columns: ["id", "total", "n"] },
  { name: "d_nullable", query: "SELECT l.id, s.n, s.mx FROM l LEFT JOIN (SELECT k, count(*) AS n, max(w) AS mx FROM r GROUP BY k) AS s ON s.k = l.k", columns: ["id", "n", "mx"] },
  { name: "d_count_of_counts", query: "SELECT cnt, count(*) AS ls FROM (SELECT l.id, count(r.id) AS cnt FROM l LEFT JOIN r ON r.k = l.k GROUP BY l.id) AS x GROUP BY cnt", columns: ["cnt", "ls"] },
  { name: "d_distinct", query: "SELECT x.k, x.w, l.id FROM (SELECT DISTINCT k, w FROM r) AS x JOIN l ON l.k = x.k", columns: ["k", "w", "id"] },
  { name: "d_having_keyless", query: "SELECT * FROM (SELECT k, count(*) AS n, min(x) AS mn FROM kl GROUP BY k HAVING count(*) > 2) AS h", columns: ["k", "n", "mn"] },
  { name: "d_scalar", query: "SELECT l.id, l.v FROM l, (SELECT avg(w) AS a, count(*) AS n FROM r) AS t WHERE l.v > t.a", columns: ["id", "v"] },
  { name: "d_nested", query: "SELECT n, count(*) AS c FROM (SELECT k, count(*) AS n FROM (SELECT DISTINCT k, w FROM r) AS dd GROUP BY k) AS g GROUP BY n", columns: ["n", "c"] },
  { name: "d_rescan", query: "SELECT l.tag, s.ws FROM l JOIN (SELECT k, string_agg(w::text, ',' ORDER BY w, id) AS ws FROM r GROUP BY k) AS s ON s.k = l.k", columns: ["tag", "ws"] },
  { name: "d_full_two", query: "SELECT a.k, a.n, b.m FROM (SELECT k, count(*) AS n FROM l GROUP BY k) AS a FULL JOIN (SELECT k, max(w) AS m FROM r WHERE w > 1 GROUP BY k) AS b ON a.k = b.k", columns: ["k", "n", "m"] },
  { name: "d_expression_key", query: "SELECT g.b, g.s FROM (SELECT k % 2 AS b, sum(v) AS s FROM l GROUP BY k % 2) AS g", columns: ["b", "s"] },
  // UNION ALL and UNION, at the top and in FROM; INTERSECT and EXCEPT.
  { name: "u_all", query: "SELECT id, k FROM l UNION ALL SELECT id, k FROM r", columns: ["id", "k"] },
  { name: "u_distinct", query: "SELECT k FROM l UNION SELECT k FROM r", columns: ["k"] },
  { name: "u_types", query: "SELECT id, v::numeric / 2 AS x FROM l WHERE tag <> 't2' UNION ALL SELECT id, w FROM r", columns: ["id", "x"] },
  { name: "u_grouped", query: "SELECT k, count(*) AS n FROM l GROUP BY k UNION ALL SELECT k, sum(w) FROM r GROUP BY k", columns: ["k", "n"] },
  { name: "u_nested", query: "SELECT k FROM l UNION ALL (SELECT k FROM r UNION SELECT x FROM kl)", columns: ["k"] },
  { name: "u_in_join", query: "SELECT u.k, count(*) AS n FROM (SELECT k, v FROM l WHERE v > 2 UNION ALL SELECT k, w FROM r) AS u JOIN kl ON kl.k = u.k GROUP BY u.k", columns: ["k", "n"] },
  { name: "u_nullable", query: "SELECT l.id, u.z FROM l LEFT JOIN (SELECT k, w AS z FROM r UNION ALL SELECT k, x FROM kl) AS u ON u.k = l.k", columns: ["id", "z"] },
  { name: "x_intersect", query: "SELECT k FROM l INTERSECT SELECT k FROM r", columns: ["k"] },
  { name: "x_except", query: "SELECT k, v FROM l EXCEPT SELECT k, w FROM r", columns: ["k", "v"] },
  { name: "x_nested", query: "SELECT k FROM l EXCEPT (SELECT k FROM r INTERSECT SELECT k FROM kl)", columns: ["k"] },
  // INTERSECT ALL and EXCEPT ALL: each row as often as min(c₁, c₂) and max(c₁ − c₂, 0).
  { name: "x_intersect_all", query: "SELECT k FROM l INTERSECT ALL SELECT k FROM kl", columns: ["k"] },
  { name: "x_except_all", query: "SELECT k, v FROM l EXCEPT ALL SELECT k, x FROM kl", columns: ["k", "v"] },
  { name: "x_except_all_nested", query: "SELECT s.k, count(*) AS n FROM (SELECT k FROM kl EXCEPT ALL (SELECT k FROM r INTERSECT ALL SELECT k FROM l)) AS s GROUP BY s.k", columns: ["k", "n"] },
  // Rows told apart by the text of a value whose type has no equality (json, point).
  { name: "j_no_equality", query: "SELECT kl.k, json_build_object('x', kl.x) AS j, point(kl.k, kl.x) AS p FROM kl", columns: ["k", "j::text", "p::text"] },
  { name: "u_json", query: "SELECT json_build_object('k', k) AS j FROM l UNION ALL SELECT json_build_object('x', x) FROM kl", columns: ["j::text"] },
  { name: "j_json_join", query: "SELECT l.tag, json_build_array(r.w, l.v) AS j FROM l JOIN r ON r.k = l.k", columns: ["tag", "j::text"] },
  // Constant relations: VALUES and a SELECT without FROM, also as branches of set operations.
  { name: "c_union_branches", query: "VALUES (1, 2), (3, NULL) UNION ALL SELECT 7, 8 UNION ALL SELECT k, v FROM l", columns: ["column1", "column2"] },
  { name: "c_except_values", query: "SELECT k FROM l EXCEPT VALUES (1), (2)", columns: ["k"] },
  { name: "c_values", query: "SELECT l.id, v.label FROM l JOIN (VALUES (1, 'one'), (2, 'two'), (NULL, 'none')) AS v (k, label) ON v.k = l.k", columns: ["id", "label"] },
  { name: "c_select", query: "SELECT l.id, c.lim FROM l, (SELECT 3 AS lim, 'x' AS tag) AS c WHERE l.v > c.lim", columns: ["id", "lim"] },
  { name: "c_preserved", query: "SELECT v.k, l.id FROM (VALUES (1), (2), (7)) AS v (k) LEFT JOIN l ON l.k = v.k", columns: ["k", "id"] },
  // WITH: inlined where referenced.
  { name: "w_twice", query: "WITH big AS (SELECT id, k FROM l WHERE v > 3) SELECT a.id, b.id AS bid FROM big AS a JOIN big AS b ON a.k = b.k", columns: ["id", "bid"] },
  { name: "w_grouped", query: "WITH t AS (SELECT k, sum(w) AS s FROM r GROUP BY k) SELECT l.id, t.s FROM l JOIN t ON t.k = l.k", columns: ["id", "s"] },
  { name: "w_chain", query: "WITH a AS (SELECT k FROM l), b (key) AS (SELECT k FROM a UNION ALL SELECT k FROM r) SELECT key, count(*) AS n FROM b GROUP BY key", columns: ["key", "n"] },
  { name: "w_inner", query: "SELECT * FROM (WITH x AS (SELECT k, x FROM kl) SELECT k, count(*) AS n FROM x GROUP BY k) AS s", columns: ["k", "n"] },
  // LATERAL subqueries that select, project and join: flattened, their WHERE the join condition.
  { name: "lat_inner", query: "SELECT l.id, x.w FROM l, LATERAL (SELECT r.w FROM r WHERE r.k = l.k AND r.w > l.v) AS x", columns: ["id", "w"] },
  { name: "lat_left", query: "SELECT l.id, x.rid FROM l LEFT JOIN LATERAL (SELECT r.id AS rid FROM r WHERE r.k = l.k) AS x ON true", columns: ["id", "rid"] },
  // `l.*` inside the LATERAL subquery: the enclosing item's columns.
  { name: "lat_outer_star", query: "SELECT x.* FROM l, LATERAL (SELECT l.*, r.w FROM r WHERE r.k = l.k) AS x", columns: ["id", "k", "v", "tag", "w"] },
  { name: "lat_join_inside", query: "SELECT l.id, y.x FROM l CROSS JOIN LATERAL (SELECT kl.x FROM r JOIN kl ON kl.k = r.w WHERE r.k = l.k) AS y", columns: ["id", "x"] },
  // LATERAL rows without FROM: columns over the items before them, no relation of their own.
  { name: "lat_row", query: "SELECT l.id, x.v2, x.tag2 FROM l, LATERAL (SELECT l.v * 2 AS v2, l.tag || '!' AS tag2) AS x", columns: ["id", "v2", "tag2"] },
  // `(SELECT e)` without FROM inside one is `e`.
  { name: "lat_row_sublink", query: "SELECT x.s, count(*) AS n FROM l CROSS JOIN LATERAL (SELECT (SELECT l.k) AS s) AS x GROUP BY x.s", columns: ["s", "n"] },
  { name: "lat_values_join", query: "SELECT l.id, r.id AS rid FROM l JOIN r ON true JOIN LATERAL (VALUES (l.k)) AS s (x) ON r.k = s.x", columns: ["id", "rid"] },
  { name: "lat_row_left", query: "SELECT l.id, x.w FROM l LEFT JOIN r ON r.k = l.k LEFT JOIN LATERAL (SELECT coalesce(r.w, -1) AS w) AS x ON true", columns: ["id", "w"] },
  // LATERAL subqueries that group: their result grouped by the correlation too, joined on it.
  { name: "lat_aggregate", query: "SELECT l.id, s.n, s.total FROM l, LATERAL (SELECT count(*) AS n, sum(r.w) AS total FROM r WHERE r.k = l.k) AS s", columns: ["id", "n", "total"] },
  { name: "lat_aggregate_left", query: "SELECT kl.x, s.m, s.n FROM kl LEFT JOIN LATERAL (SELECT max(r.w) AS m, count(r.w) AS n FROM r WHERE r.k = kl.k AND r.w > 2) AS s ON true", columns: ["x", "m", "n"] },
  { name: "lat_group_by", query: "SELECT l.id, s.w, s.c FROM l CROSS JOIN LATERAL (SELECT r.w, count(*) AS c FROM r WHERE r.k = l.k GROUP BY r.w) AS s", columns: ["id", "w", "c"] },
  { name: "lat_group_left", query: "SELECT l.id, s.w FROM l LEFT JOIN LATERAL (SELECT r.w, count(*) AS c FROM r WHERE l.k = r.k GROUP BY r.w HAVING count(*) > 1) AS s ON s.w > 2", columns: ["id", "w"] },
  { name: "d_view", query: "SELECT l.id, rk.n, rk.s FROM l JOIN rk USING (k)", columns: ["id", "n", "s"] },
  // Whole-row values: NULL where an outer join pads the item (r by its NOT NULL id, kl and the
  // subquery by the column their join compares), a row of NULLs inside ROW(t.*).
  { name: "row_count", query: "SELECT l.k, count(r.*) AS nr, count(kl.*) AS nkl FROM l LEFT JOIN r ON r.k = l.k LEFT JOIN kl ON kl.x = r.w GROUP BY l.k", columns: ["k", "nr", "nkl"] },
  { name: "row_json", query: "SELECT l.id, row_to_json(x.*)::text AS j, x IS NULL AS gone FROM l LEFT JOIN (SELECT k, w * 2 AS w2 FROM r) AS x ON x.k = l.k", columns: ["id", "j", "gone"] },
  { name: "row_table", query: "SELECT kl AS whole, l.id, ROW(r.*)::text AS rr FROM l JOIN kl ON kl.k = l.k LEFT JOIN r ON r.id = kl.x", columns: ["whole", "id", "rr"] },
];

for (const major of pgVersions()) {
  describe(`joins on PostgreSQL ${major}`, () => {
    const database = joinOracle(major, CASES, 5150 + major, async (c) => {
      await c.query("CREATE VIEW rk AS SELECT k, count(*) AS n, sum(w) AS s FROM r GROUP BY k");
    });
    let client: pg.Client;
    beforeAll(() => { client = database.client; });

    it("refuses a whole-row value of an item an outer join pads when no column tells a padded row", async () => {
      const error = await client.query("SELECT pgtrickle.create_stream_table('row_refused', 'SELECT l.id, count(kl.*) AS n FROM l LEFT JOIN kl ON l.v > 2 GROUP BY l.id', refresh_mode => 'DIFFERENTIAL')")
        .then(() => null, (e: { code: string; message: string }) => e);
      expect(error).toMatchObject({ code: "0A000",
        message: "a whole-row reference to a FROM item an outer join pads with NULLs, without a NOT NULL column or one its join condition compares is not supported in DIFFERENTIAL mode" });
    });

    it("a change on both sides of a join within one window: the key moves on each side", async () => {
      await client.query("INSERT INTO l VALUES (900001, 5, 1, 'both'); INSERT INTO r VALUES (900001, 5, 2)");
      for (const c of CASES) await refresh(client, c.name);
      await client.query("UPDATE l SET k = 6 WHERE id = 900001; UPDATE r SET k = 6 WHERE id = 900001");
      await client.query("DELETE FROM l WHERE id = 900001; DELETE FROM r WHERE id = 900001");
      await client.query("INSERT INTO l VALUES (900002, NULL, 1, 'n'); INSERT INTO r VALUES (900002, NULL, 1)");
      for (const c of CASES) {
        // A case reading only kl has nothing to do.
        expect(await refresh(client, c.name)).toBe(/\b(l|r|rk)\b/.test(c.query) ? "DIFFERENTIAL" : "NO_DATA");
        await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} both sides`);
      }
    });
  });
}
