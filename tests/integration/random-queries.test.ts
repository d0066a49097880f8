/**
 * @fileoverview Random defining queries over everything this version maintains differentially —
 * expressions of every supported form, filters, GROUP BY keys that are expressions, COUNT/SUM,
 * DISTINCT, keyed and keyless sources — each created in DIFFERENTIAL mode and checked with the
 * multiset oracle over rounds of random DML. A failure prints its seed and query.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { Random, createStreamTable, expectMatchesQuery, randomEventsStatement, randomItemsStatement, refresh, withExtensionDatabase } from "./oracle.ts";

const QUERIES = Number(process.env.PGTRICKLE_RANDOM_QUERIES ?? 24);
const ROUNDS = Number(process.env.PGTRICKLE_ROUNDS ?? 8);

interface Source { table: string; alias: string; numeric: string[]; text: string[] }
const ITEMS: Source = { table: "items", alias: "items", numeric: ["id", "grp", "val"], text: ["note"] };
const EVENTS: Source = { table: "events AS e", alias: "e", numeric: ["a"], text: ["b"] };

/** A random scalar expression of numeric type over `s`, at most `depth` deep. */
function numericExpr(r: Random, s: Source, depth: number): string {
  const column = () => (r.chance(0.3) ? `${s.alias}.${r.pick(s.numeric)}` : r.pick(s.numeric));
  const leaf = () => (r.chance(0.7) ? column() : String(r.int(-3, 9)));
  if (depth <= 0 || r.chance(0.3)) return leaf();
  const sub = () => numericExpr(r, s, depth - 1);
  switch (r.int(0, 11)) {
    case 0: return `${sub()} + ${sub()}`;
    case 1: return `${sub()} - ${sub()}`;
    case 2: return `${sub()} * ${sub()}`;
    case 3: return `abs(${sub()})`;
    case 4: return `coalesce(${sub()}, ${r.int(0, 5)})`;
    case 5: return `CASE WHEN ${predicate(r, s, depth - 1)} THEN ${sub()} ELSE ${sub()} END`;
    case 6: return `(${sub()})::bigint`;
    case 7: return `nullif(${sub()}, ${r.int(0, 3)})`;
    case 8: return `- ${sub()}`;
    case 9: return `CAST(${sub()} AS numeric(12, 2)) / 4`;
    case 10: return `CASE ${sub()} WHEN 1 THEN 10 WHEN 2 THEN 20 END`;
    default: return `greatest(${sub()}, ${sub()})`;
  }
}

/** A random text expression over `s`. */
function textExpr(r: Random, s: Source): string {
  const col = r.pick(s.text);
  switch (r.int(0, 5)) {
    case 0: return col;
    case 1: return `upper(${col})`;
    case 2: return `coalesce(${col}, 'it''s')`;
    case 3: return `(${col} COLLATE "C")`;
    case 4: return `CAST(${col} AS varchar(2))`;
    default: return `${col} || '-' || ${r.pick(s.numeric)}`;
  }
}

/** A random boolean expression over `s`. */
function predicate(r: Random, s: Source, depth: number): string {
  const n = () => numericExpr(r, s, Math.min(depth, 1));
  switch (r.int(0, 13)) {
    case 0: return `${n()} > ${r.int(-2, 20)}`;
    case 1: return `${n()} <= ${n()}`;
    case 2: return `${r.pick(s.numeric)} IS NULL`;
    case 3: return `${r.pick(s.text)} IS NOT NULL`;
    case 4: return `${r.pick(s.numeric)} IN (${r.int(0, 3)}, ${r.int(4, 7)}, NULL)`;
    case 5: return `${n()} BETWEEN ${r.int(-5, 5)} AND ${r.int(5, 30)}`;
    case 6: return `${r.pick(s.numeric)} IS DISTINCT FROM ${r.int(0, 5)}`;
    case 7: return depth > 0 ? `(${predicate(r, s, depth - 1)}) ${r.pick(["AND", "OR"])} NOT (${predicate(r, s, depth - 1)})` : `${r.pick(s.text)} LIKE 'n%'`;
    case 8: return `(${n()} > 3) IS NOT TRUE`;
    case 9: return `${r.pick(s.text)} ILIKE 'N%'`;
    case 10: return `${r.pick(s.numeric)} = ANY (ARRAY[1, 2, ${r.int(3, 9)}])`;
    case 11: return `${n()} NOT BETWEEN SYMMETRIC ${r.int(10, 20)} AND ${r.int(-5, 5)}`;
    case 12: return `${r.pick(s.text)} NOT IN ('n1', 'k2')`;
    default: return `${r.pick(s.text)} LIKE '%1%'`;
  }
}

/** A random differentiable defining query and the names of its output columns. */
function randomQuery(r: Random): { query: string; columns: string[] } {
  const s = r.chance(0.65) ? ITEMS : EVENTS;
  const where = r.chance(0.6) ? ` WHERE ${predicate(r, s, 2)}` : "";
  const shape = r.int(0, 3);
  if (shape === 0) {
    // Projection (keyed for items, counted for events).
    const outputs = Array.from({ length: r.int(1, 3) }, (_, i) => `${r.chance(0.7) ? numericExpr(r, s, 2) : textExpr(r, s)} AS c${i}`);
    return { query: `SELECT ${outputs.join(", ")} FROM ${s.table}${where}`, columns: outputs.map((_, i) => `c${i}`) };
  }
  if (shape === 1) {
    const outputs = Array.from({ length: r.int(1, 2) }, (_, i) => `${r.chance(0.5) ? numericExpr(r, s, 1) : textExpr(r, s)} AS d${i}`);
    return { query: `SELECT DISTINCT ${outputs.join(", ")} FROM ${s.table}${where}`, columns: outputs.map((_, i) => `d${i}`) };
  }
  const keys = shape === 2 ? [r.chance(0.5) ? numericExpr(r, s, 1) : textExpr(r, s)] : [];
  const aggregates = Array.from({ length: r.int(1, 3) }, (_, i) => {
    const kind = r.int(0, 2);
    const agg = kind === 0 ? "count(*)" : kind === 1 ? `count(${numericExpr(r, s, 1)})` : `sum(${numericExpr(r, s, 1)})`;
    return `${r.chance(0.2) ? `${agg} * 2` : agg} AS a${i}`;
  });
  const keyOutputs = keys.map((k, i) => `${k} AS k${i}`);
  const groupBy = keys.length > 0 ? ` GROUP BY ${keys.map((_, i) => String(i + 1)).join(", ")}` : "";
  return {
    query: `SELECT ${[...keyOutputs, ...aggregates].join(", ")} FROM ${s.table}${where}${groupBy}`,
    columns: [...keys.map((_, i) => `k${i}`), ...aggregates.map((_, i) => `a${i}`)],
  };
}

for (const major of pgVersions()) {
  describe(`random defining queries on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    beforeAll(async () => {
      client = database.client;
      await client.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int, note text)");
      await client.query("CREATE TABLE events (a int, b text)");
      await client.query("INSERT INTO items SELECT g, g % 5, (g * 7) % 40 - 3, CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' || (g % 3) END FROM generate_series(1, 120) g");
      await client.query("INSERT INTO events SELECT CASE WHEN g % 9 = 0 THEN NULL ELSE g % 7 END, 'k' || (g % 3) FROM generate_series(1, 80) g");
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });

    it(`keeps ${QUERIES} random stream tables exact over ${ROUNDS} rounds of random DML`, async () => {
      const seed = Number(process.env.PGTRICKLE_SEED ?? 4242 + major);
      const r = new Random(seed);
      const tables: { name: string; query: string; columns: string[] }[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const { query, columns } = randomQuery(r);
        const name = `rq_${i}`;
        await createStreamTable(client, name, query).catch((e) => {
          throw new Error(`seed ${seed}: creating ${name} failed for ${query}: ${e.message}`);
        });
        tables.push({ name, query, columns });
      }
      let id = 1000;
      const created = tables.length;
      for (let round = 1; round <= ROUNDS; round++) {
        for (let s = r.int(2, 6); s > 0; s--) {
          const sql = r.chance(0.6) ? randomItemsStatement(r, () => ++id) : randomEventsStatement(r);
          await client.query(sql);
        }
        for (const t of [...tables]) {
          const failure = await refresh(client, t.name).then(() => null, (e: Error) => e);
          if (failure !== null) {
            // A query that fails by itself on this data (an overflow, say) has nothing to compare.
            const queryFails = await client.query(`SELECT count(*) FROM (${t.query}) AS q`).then(() => false, () => true);
            if (!queryFails) throw new Error(`seed ${seed} round ${round}: refreshing ${t.name} failed for ${t.query}: ${failure.message}`);
            tables.splice(tables.indexOf(t), 1);
            continue;
          }
          await expectMatchesQuery(client, t.name, t.columns, t.query, `seed ${seed} round ${round}: ${t.query}`);
        }
      }
      // Most queries must survive to the end, or this test checks little.
      expect(tables.length).toBeGreaterThan(created * 0.7);
    });
  });
}
