/**
 * @fileoverview The recursion bound of IMMEDIATE programs (src/engine/analyze/recursion-bound.ts)
 * through `create` on the fixture catalog: which recursive CTEs are rewritten and exactly how,
 * that the rewrite finds its places in the text past comments, strings and quoted names, and
 * what is left unbounded, and why. tests/integration/recursive.test.ts runs the rewritten
 * queries against PostgreSQL.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import { createRequest, type EngineStatement, loadEngine, parses } from "../engine-fixture.ts";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

/** What the IMMEDIATE program of `query` runs to recompute it (the query of its FULL refresh's INSERT), and the warnings. */
function immediate(query: string, mode = "IMMEDIATE"): { sql: string; warnings: string[]; statements: EngineStatement[] } {
  const response = engine.callJson(createRequest(query, { refreshMode: mode }));
  if (!response.ok) throw new Error(`create failed: ${JSON.stringify(response.error)}`);
  const program = response.result.program;
  const insert: string = program.full[1].sql;
  const statements = [...program.full, ...program.fullDiff, ...program.differential, ...response.result.statements];
  return { sql: insert.slice(insert.indexOf("SELECT * FROM (\n") + 16, insert.lastIndexOf("\n) AS __pgt_q")), warnings: response.result.warnings, statements };
}

/** The CTE that keeps the name `name` for readers of `guarded`, as the rewrite writes it. */
function visible(name: string, columns: string, picked: string, aliases: string, guarded = "__pgt_recursive_1"): string {
  return `${name} (${columns}) AS NOT MATERIALIZED (SELECT ${picked} FROM ${guarded} AS __pgt_g (${aliases}) `
    + "WHERE CASE WHEN __pgt_depth > (SELECT nullif(pg_catalog.current_setting('pg_trickle.ivm_recursive_max_depth')::integer, 0)) "
    + `THEN pgtrickle._recursion_too_deep('${name.replaceAll('"', "")}', 'new_st', __pgt_depth) ELSE true END OFFSET 0), ${guarded}`;
}

const LEAF = "SELECT __pgt_n.*, 1 AS __pgt_depth FROM (";

describe("a recursive CTE combined with UNION ALL, in IMMEDIATE mode", () => {
  it("counts depth in a hidden column and keeps its name for a CTE of the visible columns", () => {
    const query = "WITH RECURSIVE walk (n, d) AS (SELECT id, 1 FROM orders WHERE id = 1 UNION ALL SELECT o.id, w.d + 1 FROM orders o JOIN walk w ON o.customer = w.n) SELECT * FROM walk";
    const { sql, warnings, statements } = immediate(query);
    expect(sql).toBe(`WITH RECURSIVE ${visible('"walk"', '"n", "d"', "__pgt_c1, __pgt_c2", "__pgt_c1, __pgt_c2, __pgt_depth")} (n, d) AS (`
      + `${LEAF}SELECT id, 1 FROM orders WHERE id = 1 ) AS __pgt_n UNION ALL `
      + `SELECT o.id, w.d + 1 , "w".__pgt_depth + 1 AS __pgt_depth FROM orders o JOIN __pgt_recursive_1 w ON o.customer = w.n) SELECT * FROM walk`);
    expect(warnings).toEqual([]);
    for (const s of statements) expect(parses(s.sql), s.sql).toBe(true);
  });

  it("bounds every statement that runs the query: FULL, its difference and the DIFFERENTIAL refresh", () => {
    const { statements } = immediate("WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT n FROM c");
    const running = statements.filter((s) => s.sql.includes("WITH RECURSIVE") && !s.sql.startsWith("INSERT INTO pgtrickle."));
    expect(running.length).toBeGreaterThanOrEqual(4);
    for (const s of running) expect(s.sql).toContain("pgtrickle._recursion_too_deep('c', 'new_st', __pgt_depth)");
  });

  it("renames the recursive reference without an alias to the CTE's own name", () => {
    const { sql } = immediate("WITH RECURSIVE c AS (SELECT id AS n FROM orders UNION ALL SELECT n + 1 FROM c WHERE c.n < 5) SELECT n FROM c");
    expect(sql).toContain(`UNION ALL SELECT n + 1 , "c".__pgt_depth + 1 AS __pgt_depth FROM __pgt_recursive_1 AS "c" WHERE c.n < 5)`);
  });

  it("takes the columns' names from PostgreSQL (cteColumns) when the CTE has no column list", () => {
    const { sql } = immediate("WITH RECURSIVE c AS (SELECT id AS n, note FROM orders UNION ALL SELECT n + 1, note FROM c WHERE n < 5) SELECT * FROM c");
    expect(sql.startsWith(`WITH RECURSIVE ${visible('"c"', '"n", "note"', "__pgt_c1, __pgt_c2", "__pgt_c1, __pgt_c2, __pgt_depth")} AS (`)).toBe(true);
  });

  it("finds its places past comments, strings, dollar quotes, quoted names and IS DISTINCT FROM", () => {
    const query = `WITH RECURSIVE "Wälk" ("N", f) AS (SELECT 1, true /* UNION ALL ( */ UNION ALL -- FROM )
  SELECT o.id, o.note IS DISTINCT FROM E'\\' FROM (' || $q$ ) FROM $q$ FROM orders o JOIN "Wälk" AS x ON o.customer = x."N") SELECT "N", f FROM "Wälk"`;
    const { sql } = immediate(query);
    expect(sql).toContain(`/* UNION ALL ( */ ) AS __pgt_n UNION ALL -- FROM )\n  SELECT o.id, o.note IS DISTINCT FROM E'\\' FROM (' || $q$ ) FROM $q$ , "x".__pgt_depth + 1 AS __pgt_depth FROM orders o JOIN __pgt_recursive_1 AS x ON`);
    expect(sql.startsWith(`WITH RECURSIVE ${visible('"Wälk"', '"N", "f"', "__pgt_c1, __pgt_c2", "__pgt_c1, __pgt_c2, __pgt_depth")} ("N", f) AS (${LEAF}SELECT 1, true`)).toBe(true);
    expect(parses(sql)).toBe(true);
  });

  it("wraps a non-recursive term of several SELECTs or VALUES whole, and groups by the depth too", () => {
    const { sql } = immediate("WITH RECURSIVE c (n) AS (VALUES (1) UNION ALL SELECT id FROM orders UNION ALL SELECT n + 1 FROM c WHERE n < 5 GROUP BY n) SELECT n FROM c");
    expect(sql).toContain(`(${LEAF}VALUES (1) UNION ALL SELECT id FROM orders ) AS __pgt_n UNION ALL SELECT n + 1 , "c".__pgt_depth + 1 AS __pgt_depth FROM __pgt_recursive_1 AS "c" WHERE n < 5 GROUP BY "c".__pgt_depth, n)`);
  });

  it("puts the depth before the columns of SEARCH and CYCLE, which keep their names", () => {
    const { sql } = immediate("WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION ALL SELECT n + 1 FROM c WHERE n < 5) SEARCH DEPTH FIRST BY n SET ord CYCLE n SET seen USING path SELECT n, seen FROM c");
    expect(sql.startsWith(`WITH RECURSIVE ${visible('"c"', '"n", "ord", "seen", "path"', '__pgt_c1, "ord", "seen", "path"', "__pgt_c1, __pgt_depth")} (n) AS (`)).toBe(true);
  });

  it("bounds each recursive CTE, also in a subquery in FROM or LATERAL, and leaves UNION alone", () => {
    const { sql } = immediate(`SELECT a.n, s.m FROM (WITH RECURSIVE a (n) AS (SELECT id FROM orders UNION ALL SELECT n + 1 FROM a WHERE n < 3),
      u (n) AS (SELECT 1 UNION SELECT n + 1 FROM u WHERE n < 3) SELECT a.n FROM a JOIN u USING (n)) AS a
      CROSS JOIN LATERAL (WITH RECURSIVE b (m) AS (SELECT a.n UNION ALL SELECT m + 1 FROM b WHERE m < 4) SELECT m FROM b) AS s`);
    expect(sql).toContain(visible('"a"', '"n"', "__pgt_c1", "__pgt_c1, __pgt_depth", "__pgt_recursive_1"));
    expect(sql).toContain(visible('"b"', '"m"', "__pgt_c1", "__pgt_c1, __pgt_depth", "__pgt_recursive_2"));
    expect(sql).toContain("u (n) AS (SELECT 1 UNION SELECT n + 1 FROM u WHERE n < 3)");
    expect(sql.match(/_recursion_too_deep/g)).toHaveLength(2);
    expect(parses(sql)).toBe(true);
  });

  it.each([
    ["WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION ALL (SELECT n + 1 FROM c WHERE n < 3 UNION ALL SELECT 7)) SELECT n FROM c", "its recursive term is a set operation"],
    ["WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION ALL SELECT n + 1 FROM c WHERE c IS NOT NULL AND n < 3) SELECT n FROM c", "its recursive term reads its whole row or *"],
    ["WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION ALL SELECT * FROM c WHERE n < 0) SELECT n FROM c", "its recursive term reads its whole row or *"],
    ["WITH RECURSIVE c (n) AS (WITH s AS (SELECT id AS k FROM orders) SELECT k FROM s UNION ALL SELECT n + 1 FROM c, s WHERE n < 3) SELECT n FROM c", "its body has a WITH clause of its own"],
  ])("leaves %s unbounded with a warning", (query, why) => {
    const { sql, warnings } = immediate(query);
    expect(warnings).toEqual([`stream table "new_st": the recursion of "c" is not bounded by pg_trickle.ivm_recursive_max_depth: ${why}`]);
    expect(sql).not.toContain("__pgt_depth");
  });
});

describe("other refresh modes and recursions", () => {
  it.each(["DIFFERENTIAL", "FULL", "AUTO"])("%s runs the query as written", (mode) => {
    const query = "WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT n FROM c";
    const { sql, warnings } = immediate(query, mode);
    expect(sql).toBe(query);
    expect(warnings.filter((w) => w.includes("recursion"))).toEqual([]);
  });

  it("IMMEDIATE leaves a CTE combined with UNION as written: a cycle ends it", () => {
    const query = "WITH RECURSIVE c (n) AS (SELECT id FROM orders UNION SELECT o.id FROM orders o JOIN c ON o.customer = c.n) SELECT n FROM c";
    expect(immediate(query)).toMatchObject({ sql: query, warnings: [] });
  });
});
