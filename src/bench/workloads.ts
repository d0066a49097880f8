/**
 * @fileoverview The benchmark's source table and the queries maintained over it. Every workload
 * reads the same source `src(id bigint primary key, grp int, val int, note text)`; `grp` has
 * {@link groupCount} values and `val % 10 = 3` selects about a tenth of the rows.
 */
import type { Client } from "pg";

/** The workloads the benchmark knows, in the order it runs them. */
export const workloadNames = ["scan", "filter", "aggregate"] as const;

/** The name of one workload. */
export type WorkloadName = (typeof workloadNames)[number];

/** A query maintained three ways, and the columns its result is compared on. */
export interface Workload {
  name: WorkloadName;
  query: string;
  /** The visible columns of the result, in the query's order (stream tables also hold `__pgt_*`). */
  columns: string[];
}

/** Distinct values of `src.grp`, the number of groups of the aggregate workload. */
export const groupCount = 1000;

/** Upper bound (exclusive) of `src.val`. */
export const valueRange = 1_000_000;

/** The workloads by name. */
export const workloads: Record<WorkloadName, Workload> = {
  scan: { name: "scan", query: "SELECT id, grp, val FROM src", columns: ["id", "grp", "val"] },
  filter: { name: "filter", query: "SELECT id, val FROM src WHERE val % 10 = 3", columns: ["id", "val"] },
  aggregate: {
    name: "aggregate",
    query: "SELECT grp, count(*) AS n, sum(val) AS total FROM src GROUP BY grp",
    columns: ["grp", "n", "total"],
  },
};

/** The expression that fills `val`: pseudo-random, but repeatable after `setseed`. */
export const randomValue = `(random() * ${valueRange})::int`;

/** Drops whatever a previous size left and loads `rows` fresh source rows (ids 1..rows). */
export async function loadSource(client: Client, rows: number): Promise<void> {
  await client.query("DROP TABLE IF EXISTS src CASCADE");
  await client.query("CREATE TABLE src (id bigint PRIMARY KEY, grp int NOT NULL, val int NOT NULL, note text)");
  await client.query("SELECT setseed(0.42)");
  await client.query(
    `INSERT INTO src (id, grp, val, note)
     SELECT g, (g % ${groupCount})::int, ${randomValue}, md5(g::text) FROM generate_series(1, $1::bigint) AS g`,
    [rows],
  );
  await client.query("VACUUM ANALYZE src");
  await client.query("CHECKPOINT");
}

/** The highest id in the source, so that new rows get fresh ids. */
export async function maxSourceId(client: Client): Promise<number> {
  const result = await client.query<{ max: string | null }>("SELECT max(id)::text AS max FROM src");
  return Number(result.rows[0].max ?? 0);
}
