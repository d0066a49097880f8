/**
 * @fileoverview The multiset oracle for the aggregate family over many rounds of random DML:
 * AVG, MIN/MAX (numbers and text), BOOL_AND/BOOL_OR/EVERY, FILTER, STRING_AGG and ARRAY_AGG with
 * ORDER BY, COUNT/SUM(DISTINCT), the STDDEV/VARIANCE family, a user-defined aggregate, HAVING
 * (groups crossing the threshold both ways, an aggregate only in HAVING, no GROUP BY), GROUPING
 * SETS, ROLLUP and CUBE with GROUPING() (from state, with rescans, with HAVING, over a join, with a
 * set repeated), scalar
 * aggregates over empty input, aggregates over a join and over a keyless source with duplicates,
 * DISTINCT over groups.
 * Single-source cases also have an IMMEDIATE twin, which must equal the query after every round.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { Random, createItemsAndEvents, createStreamTable, errorOf, expectMatchesQuery, randomEventsStatement, randomItemsStatement, refresh, withExtensionDatabase } from "./oracle.ts";

interface Case { name: string; query: string; columns: string[] }

const CASES: Case[] = [
  { name: "a_avg_min_max", query: "SELECT grp, avg(val) AS a, min(val) AS lo, max(val) AS hi, count(*) AS n FROM items GROUP BY grp", columns: ["grp", "a", "lo", "hi", "n"] },
  { name: "a_text_extremes", query: "SELECT grp, min(note) AS lo, max(note) AS hi FROM items GROUP BY grp", columns: ["grp", "lo", "hi"] },
  { name: "a_bool", query: "SELECT grp, bool_and(val > 0) AS all_pos, bool_or(note IS NULL) AS any_null, every(val < 40) AS e FROM items GROUP BY grp", columns: ["grp", "all_pos", "any_null", "e"] },
  { name: "a_filter", query: "SELECT grp, count(*) FILTER (WHERE val > 10) AS big, sum(val) FILTER (WHERE note = 'n1') AS s1, avg(val) FILTER (WHERE val < 20) AS a, max(val) FILTER (WHERE note IS NOT NULL) AS m FROM items GROUP BY grp", columns: ["grp", "big", "s1", "a", "m"] },
  { name: "a_ordered", query: "SELECT grp, string_agg(note, ',' ORDER BY note, id) AS notes, array_agg(val ORDER BY id) AS vals FROM items GROUP BY grp", columns: ["grp", "notes", "vals"] },
  { name: "a_distinct", query: "SELECT grp, count(DISTINCT val) AS dv, sum(DISTINCT val) AS sdv FROM items GROUP BY grp", columns: ["grp", "dv", "sdv"] },
  { name: "a_stddev", query: "SELECT grp, stddev_samp(val) AS sd, var_pop(val) AS vp, variance(val::numeric) AS v FROM items GROUP BY grp", columns: ["grp", "sd", "vp", "v"] },
  { name: "a_user_defined", query: "SELECT grp, pgt_test_sum(val) AS s FROM items GROUP BY grp", columns: ["grp", "s"] },
  { name: "a_having", query: "SELECT grp, count(*) AS n, sum(val) AS s FROM items GROUP BY grp HAVING count(*) > 35", columns: ["grp", "n", "s"] },
  { name: "a_having_range", query: "SELECT grp, sum(val) AS s FROM items GROUP BY grp HAVING sum(val) BETWEEN 400 AND 700", columns: ["grp", "s"] },
  { name: "a_having_only", query: "SELECT grp FROM items GROUP BY grp HAVING max(val) > 35 AND min(val) < 0", columns: ["grp"] },
  { name: "a_global_empty", query: "SELECT min(val) AS lo, max(val) AS hi, avg(val) AS a, string_agg(note, '' ORDER BY note) AS s, count(*) AS n FROM items WHERE val > 44", columns: ["lo", "hi", "a", "s", "n"] },
  { name: "a_global_having", query: "SELECT count(*) AS n FROM items HAVING count(*) > 230", columns: ["n"] },
  { name: "a_join", query: "SELECT i.grp % 3 AS g, c.label, min(i.val) AS lo, avg(i.val) AS a, count(c.grp) AS nc FROM items i LEFT JOIN cats c ON c.grp = i.grp GROUP BY i.grp % 3, c.label", columns: ["g", "label", "lo", "a", "nc"] },
  { name: "a_rollup", query: "SELECT grp, note, sum(val) AS s, count(*) AS n, GROUPING(grp, note) AS g FROM items GROUP BY ROLLUP (grp, note)", columns: ["grp", "note", "s", "n", "g"] },
  { name: "a_cube_min", query: "SELECT grp, note, min(val) AS lo, count(*) AS n FROM items GROUP BY CUBE (grp, note)", columns: ["grp", "note", "lo", "n"] },
  { name: "a_sets_having", query: "SELECT grp % 2 AS parity, note, avg(val) AS a FROM items GROUP BY GROUPING SETS ((grp % 2), (note), ()) HAVING count(*) > 3", columns: ["parity", "note", "a"] },
  { name: "a_sets_join", query: "SELECT c.label, i.grp, count(*) AS n, GROUPING(i.grp) AS g FROM items i JOIN cats c ON c.grp = i.grp GROUP BY c.label, ROLLUP (i.grp)", columns: ["label", "grp", "n", "g"] },
  { name: "a_sets_repeated", query: "SELECT grp, note, min(val) AS lo, sum(val) AS s, count(*) AS n FROM items GROUP BY GROUPING SETS (ROLLUP (grp, note), grp, (note, grp))", columns: ["grp", "note", "lo", "s", "n"] },
  { name: "a_sets_empty_thrice", query: "SELECT sum(val) AS s, max(note) AS m FROM items GROUP BY GROUPING SETS ((), GROUPING SETS ((), GROUPING SETS (())))", columns: ["s", "m"] },
  { name: "a_sets_rescan", query: "SELECT grp, string_agg(note, ',' ORDER BY note, id) AS s FROM items GROUP BY ROLLUP (grp)", columns: ["grp", "s"] },
  // DISTINCT over groups: their distinct rows; without GROUP BY (one row at most) it changes nothing.
  { name: "a_distinct_groups", query: "SELECT DISTINCT count(*) AS n, max(val) > 30 AS big FROM items GROUP BY grp", columns: ["n", "big"] },
  { name: "a_distinct_scalar", query: "SELECT DISTINCT max(val) AS m, count(*) AS n FROM items WHERE val > 40", columns: ["m", "n"] },
  { name: "a_distinct_sublink", query: "SELECT i.id, (SELECT DISTINCT min(j.val) FROM items j WHERE j.grp = i.grp) AS m FROM items i", columns: ["id", "m"] },
  // An aggregate (or GROUPING) in a subquery without FROM over the query's columns is the query's.
  { name: "a_in_select_without_from", query: "SELECT grp, (SELECT max(val) FILTER (WHERE note IS NOT NULL)) AS m, (SELECT grouping(grp)) AS g FROM items GROUP BY ROLLUP (grp)", columns: ["grp", "m", "g"] },
  { name: "a_keyless", query: "SELECT b, min(a) AS lo, max(a) AS hi, avg(a) AS av, count(DISTINCT a) AS d FROM events GROUP BY b", columns: ["b", "lo", "hi", "av", "d"] },
];


const ROUNDS = Number(process.env.PGTRICKLE_ROUNDS ?? 30);

for (const major of pgVersions()) {
  describe(`aggregates on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    beforeAll(async () => {
      client = database.client;
      await createItemsAndEvents(client);
      await client.query("CREATE TABLE cats (grp int PRIMARY KEY, label text)");
      await client.query("CREATE AGGREGATE pgt_test_sum (int) (sfunc = int4pl, stype = int, initcond = '0')");
      await client.query("INSERT INTO cats VALUES (1, 'one'), (2, 'two'), (3, 'odd'), (5, 'odd')");
      for (const c of CASES) await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
      for (const c of CASES) await createStreamTable(client, `${c.name}_imm`, c.query, "IMMEDIATE");
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });

    it("every aggregate stream table equals its query right after creation", async () => {
      for (const c of CASES) await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} initial`);
    });

    it(`stays exact over ${ROUNDS} rounds of random DML`, async () => {
      const seed = Number(process.env.PGTRICKLE_SEED ?? 7300 + major);
      const r = new Random(seed);
      let id = 1000;
      const nextId = () => ++id;
      const actions = new Map<string, number>();
      for (let round = 1; round <= ROUNDS; round++) {
        for (let s = r.int(1, 6); s > 0; s--) {
          const which = r.int(0, 9);
          if (which < 6) await client.query(randomItemsStatement(r, nextId));
          else if (which < 9) await client.query(randomEventsStatement(r));
          else await client.query(`UPDATE cats SET label = ${r.chance(0.2) ? "NULL" : `'l${r.int(1, 3)}'`} WHERE grp = ${r.int(1, 5)}`);
        }
        for (const c of CASES) {
          await expectMatchesQuery(client, `${c.name}_imm`, c.columns, c.query, `${c.name}_imm round ${round} seed ${seed}`);
        }
        for (const c of CASES) {
          const action = await refresh(client, c.name);
          actions.set(action, (actions.get(action) ?? 0) + 1);
          await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} round ${round} seed ${seed}`);
        }
      }
      expect([...actions.keys()].filter((a) => a !== "DIFFERENTIAL" && a !== "NO_DATA")).toEqual([]);
      expect(actions.get("DIFFERENTIAL") ?? 0).toBeGreaterThan(ROUNDS * CASES.length / 2);
    });

    it("pg_trickle.max_grouping_set_branches caps how many grouping sets a DIFFERENTIAL query may expand to", async () => {
      const query = "SELECT grp, note, count(*) AS n FROM items GROUP BY CUBE (grp, note)";
      await client.query("SET pg_trickle.max_grouping_set_branches = 3");
      const err = await errorOf(() => createStreamTable(client, "a_cube_capped", query, "DIFFERENTIAL"));
      expect(err.code).toBe("0A000");
      expect(err.message).toBe("more than 3 grouping sets (pg_trickle.max_grouping_set_branches) is not supported in DIFFERENTIAL mode");
      await client.query("SET pg_trickle.max_grouping_set_branches = 4");
      await createStreamTable(client, "a_cube_capped", query, "DIFFERENTIAL");
      await client.query("RESET pg_trickle.max_grouping_set_branches");
      await client.query("SELECT pgtrickle.drop_stream_table('a_cube_capped')");
    });

    it("refuses an aggregate over no column in a subquery without FROM: it is the subquery's own", async () => {
      const err = await errorOf(() => createStreamTable(client, "a_own_aggregate", "SELECT id, (SELECT count(*)) AS one FROM items", "DIFFERENTIAL"));
      expect(err).toMatchObject({ code: "0A000", message: "aggregate count() over no column in a subquery without FROM is not supported in DIFFERENTIAL mode" });
    });

    it("a group crosses HAVING upwards and downwards, and MIN/MAX survive deleting the extremum", async () => {
      await client.query("INSERT INTO items SELECT 800000 + g, 77, 1, 'h' FROM generate_series(1, 36) g");
      for (const c of CASES) await refresh(client, c.name);
      expect((await client.query("SELECT n FROM a_having WHERE grp = 77")).rows).toEqual([{ n: "36" }]);
      await client.query("DELETE FROM items WHERE id = 800001");
      await client.query("UPDATE items SET val = -50 WHERE id = 800002");
      await client.query("UPDATE items SET val = 50 WHERE id = 800003");
      for (const c of CASES) await refresh(client, c.name);
      expect((await client.query("SELECT n FROM a_having WHERE grp = 77")).rows).toEqual([]);
      expect((await client.query("SELECT lo, hi FROM a_avg_min_max WHERE grp = 77")).rows).toEqual([{ lo: -50, hi: 50 }]);
      await client.query("DELETE FROM items WHERE id IN (800002, 800003)");
      for (const c of CASES) {
        expect(await refresh(client, c.name)).toBe(c.name === "a_keyless" ? "NO_DATA" : "DIFFERENTIAL");
        await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} extremes`);
      }
      expect((await client.query("SELECT lo, hi FROM a_avg_min_max WHERE grp = 77")).rows).toEqual([{ lo: 1, hi: 1 }]);
    });
  });
}
