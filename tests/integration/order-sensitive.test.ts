/**
 * @fileoverview Aggregates whose value depends on the order they read rows in (a float8 sum,
 * regr_*, array_agg, ...) inside a subquery or over a window (analyze/order-sensitive.ts). A delta
 * rule would subtract their old rows recomputed in another order, which need not equal the stored
 * ones bit for bit; such a query is recomputed and only the rows that differ are written. The
 * multiset oracle over random DML with fractional floats (where the order of additions shows), in
 * DIFFERENTIAL and IMMEDIATE mode; the same aggregates over exact types keep their delta rules.
 * At the top, a float sum or avg is not kept from state (it would round differently from the
 * query's own) but recomputed for the groups a change touches.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { type OracleCase, type Random, withExtensionDatabase, createStreamTable, expectMatchesQuery, immediateTwin, randomRounds, validation, JOIN_ROUNDS }
  from "./oracle.ts";

const CASES: OracleCase[] = [
  // The shape of PostgreSQL's aggregates.sql:140, which left a stale row in IMMEDIATE mode.
  { name: "o_regr", query: "SELECT * FROM (SELECT count(*), sum(x), regr_sxx(y, x), sum(y), regr_syy(y, x), regr_sxy(y, x) FROM fx) AS t(c1, c2, c3, c4, c5, c6)",
    columns: ["c1", "c2", "c3", "c4", "c5", "c6"] },
  { name: "o_grouped", query: "SELECT d.g, d.s, d.a FROM (SELECT g, sum(x) AS s, avg(y) AS a FROM fx GROUP BY g) AS d WHERE d.s IS NOT NULL", columns: ["g", "s", "a"] },
  { name: "o_scalar", query: "SELECT fx.id, (SELECT sum(b.y) FROM fx AS b WHERE b.g = fx.g) AS s FROM fx", columns: ["id", "s"] },
  { name: "o_window", query: "SELECT id, g, sum(x) OVER (PARTITION BY g) AS s FROM fx", columns: ["id", "g", "s"] },
  { name: "o_stddev_in", query: "SELECT fx.id FROM fx WHERE fx.g IN (SELECT g FROM fx GROUP BY g HAVING stddev(x) > 10)", columns: ["id"] },
];
/** At the top: maintained by group, the float sums recomputed per group a change touches. */
const TOP: OracleCase[] = [
  { name: "o_top_grouped", query: "SELECT g, sum(x) AS s, avg(y) AS a, count(*) AS n FROM fx GROUP BY g", columns: ["g", "s", "a", "n"] },
  { name: "o_top_scalar", query: "SELECT sum(x) AS s, sum(x::numeric) AS sn FROM fx", columns: ["s", "sn"] },
];
const ALL = [...CASES, ...TOP];

/** One statement of random DML on fx: fractional floats, NULLs, rows moving between groups. */
function randomFloatStatement(r: Random, nextId: () => number): string {
  const value = () => (r.chance(0.1) ? "NULL" : (r.int(-500, 5000) / 10 + 0.01).toString());
  switch (r.int(0, 4)) {
    case 0: {
      const rows: string[] = [];
      for (let i = r.int(1, 4); i > 0; i--) rows.push(`(${nextId()}, ${r.chance(0.1) ? "NULL" : r.int(0, 4)}, ${value()}, ${value()})`);
      return `INSERT INTO fx VALUES ${rows.join(", ")}`;
    }
    case 1: return `UPDATE fx SET x = x + 0.1 WHERE id % 7 = ${r.int(0, 6)}`;
    case 2: return `UPDATE fx SET g = ${r.int(0, 4)}, y = ${value()} WHERE id % 11 = ${r.int(0, 10)}`;
    case 3: return `DELETE FROM fx WHERE id % 13 = ${r.int(0, 12)}`;
    default: return `UPDATE fx SET x = y * 1.1, y = x WHERE g = ${r.int(0, 4)}`;
  }
}

for (const major of pgVersions()) {
  describe(`order-sensitive aggregates below the top on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;
    beforeAll(async () => {
      client = database.client;
      await client.query("CREATE TABLE fx (id int PRIMARY KEY, g int, x float8, y float8)");
      await client.query(`INSERT INTO fx SELECT i, i % 4, i * 10.3 + 0.07, (i * 7919 % 103) / 3.0 FROM generate_series(1, 60) AS i`);
      for (const c of ALL) {
        await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
        await createStreamTable(client, immediateTwin(c), c.query, "IMMEDIATE");
      }
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });

    it("recomputes them, and keeps the delta rules over exact types and at the top", async () => {
      for (const c of CASES) expect((await validation(client, c.query)).tree).toMatch(/^Recompute\(/);
      for (const c of TOP) expect((await validation(client, c.query)).tree).toMatch(/^Aggregate\(/);
      expect((await validation(client, CASES[0].query)).warnings).toContain("sum() over double precision inside a subquery or window depends on the order PostgreSQL reads rows in:"
        + " a refresh with changes runs the whole query and writes only the rows that differ");
      for (const query of [
        "SELECT d.g, d.s FROM (SELECT g, sum(x::numeric) AS s, count(*) AS n, max(y) AS m FROM fx GROUP BY g) AS d",
        "SELECT id, g, array_agg(id) OVER (PARTITION BY g ORDER BY id) AS ids FROM fx",
        "SELECT g, sum(x) AS s FROM fx GROUP BY g",
      ]) expect((await validation(client, query)).tree).not.toMatch(/^Recompute\(/);
      expect((await validation(client, "SELECT * FROM (SELECT g, array_agg(id) AS ids FROM fx GROUP BY g) AS d")).tree).toMatch(/^Recompute\(/);
    });

    it("an IMMEDIATE transaction of insert, update and delete leaves exactly the query's rows", async () => {
      await client.query("BEGIN");
      await client.query("INSERT INTO fx VALUES (900, 1, 5, 7), (901, NULL, NULL, 3)");
      await client.query("UPDATE fx SET x = x + 1 WHERE y > 20");
      await client.query("DELETE FROM fx WHERE x < 12");
      for (const c of ALL) await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} in the transaction`);
      await client.query("COMMIT");
      for (const c of ALL) await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, immediateTwin(c));
    });

    it(`stays exact over ${JOIN_ROUNDS} rounds of random DML, in DIFFERENTIAL and IMMEDIATE mode`, async () => {
      const actions = await randomRounds(client, ALL, JOIN_ROUNDS, Number(process.env.PGTRICKLE_SEED ?? 4242), randomFloatStatement, ALL);
      expect([...actions.keys()].filter((a) => a !== "DIFFERENTIAL" && a !== "NO_DATA")).toEqual([]);
    });
  });
}
