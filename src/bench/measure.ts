/**
 * @fileoverview One benchmark case: a workload over a source of N rows with change batches of a
 * fraction f. It creates a DIFFERENTIAL stream table, a FULL stream table and a materialized view
 * of the same query, then per repetition applies one change batch and refreshes all three (in an
 * order rotated per repetition so none always runs with the warmest cache), timing each refresh.
 * After every round the DIFFERENTIAL stream table must equal the query as a multiset, or the
 * benchmark stops: a fast wrong answer is no result.
 */
import { loadavg } from "node:os";
import type { Client } from "pg";
import type { Log } from "../cluster/subprocess.ts";
import { applyChangeBatch, type ChangeBatch } from "./changes.ts";
import type { Workload } from "./workloads.ts";

/** The three ways of keeping the query's result. */
export const refreshKinds = ["differential", "full", "matview"] as const;

/** One way of keeping the query's result. */
export type RefreshKind = (typeof refreshKinds)[number];

const objectNames: Record<RefreshKind, string> = { differential: "st_diff", full: "st_full", matview: "mv" };

/** One timed refresh. */
export interface RefreshTiming {
  kind: RefreshKind;
  repetition: number;
  /** 0 when it ran first after the change batch, 2 when last. */
  position: number;
  /** Client wall clock around the refresh statement (includes the round trip and the commit). */
  clientMs: number;
  /** Stream tables only: end_time − start_time of the refresh history row. */
  serverMs?: number;
  /** Stream tables only: the action the refresh history recorded (DIFFERENTIAL, FULL, ...). */
  action?: string;
  rowsInserted?: number;
  rowsDeleted?: number;
}

/** What one case measured. */
export interface CaseResult {
  workload: string;
  sourceRows: number;
  changeFraction: number;
  changeRows: number;
  repetitions: number;
  setupMs: number;
  /** The machine's 1-minute load average after each repetition: above the 2 cores means others competed. */
  loadAverages: number[];
  batches: ChangeBatch[];
  timings: RefreshTiming[];
}

/** The parameters of one case. */
export interface CaseSpec {
  workload: Workload;
  sourceRows: number;
  changeFraction: number;
  repetitions: number;
  /** The first id the case's inserts may use. */
  nextId: number;
  /** Seeds the change batches so a rerun changes the same rows. */
  seed: number;
}

/** Runs one case; returns its measurements and the next free source id. */
export async function runCase(client: Client, spec: CaseSpec, log: Log): Promise<{ result: CaseResult; nextId: number }> {
  const { workload, sourceRows, changeFraction, repetitions } = spec;
  const changeRows = Math.max(3, Math.round(sourceRows * changeFraction));
  const label = `${workload.name} N=${sourceRows} f=${formatPercent(changeFraction)}`;
  const result: CaseResult = {
    workload: workload.name, sourceRows, changeFraction, changeRows, repetitions, setupMs: 0, loadAverages: [], batches: [], timings: [],
  };

  log(`${label}: creating the DIFFERENTIAL and FULL stream tables and the materialized view`);
  const setupStarted = performance.now();
  await createObjects(client, workload);
  result.setupMs = performance.now() - setupStarted;

  let nextId = spec.nextId;
  try {
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const batch = await applyChangeBatch(client, changeRows, nextId, seedFor(spec.seed, repetition));
      nextId = batch.nextId;
      result.batches.push(batch);
      const order = refreshKinds.map((_, i) => refreshKinds[(i + repetition) % refreshKinds.length]);
      const round: RefreshTiming[] = [];
      for (const [position, kind] of order.entries()) {
        round.push(await timeRefresh(client, kind, repetition, position));
      }
      await verify(client, workload, label, repetition);
      result.timings.push(...round);
      result.loadAverages.push(Math.round(loadavg()[0] * 100) / 100);
      log(`${label}: rep ${repetition + 1}/${repetitions}: ${batch.inserted}+${batch.updated}~${batch.deleted}- rows changed ` +
        `(${batch.milliseconds.toFixed(0)} ms); ${describeRound(round)}; verified; load ${loadavg()[0].toFixed(2)}`);
    }
  } finally {
    await dropObjects(client);
  }
  return { result, nextId };
}

async function createObjects(client: Client, workload: Workload): Promise<void> {
  await dropObjects(client);
  for (const [kind, mode] of [["differential", "DIFFERENTIAL"], ["full", "FULL"]] as const) {
    await client.query("SELECT pgtrickle.create_stream_table($1, $2, refresh_mode => $3)", [objectNames[kind], workload.query, mode]);
  }
  await client.query(`CREATE MATERIALIZED VIEW ${objectNames.matview} AS ${workload.query}`);
  // Same footing for all three: fresh statistics instead of whatever autovacuum got to.
  await client.query(`ANALYZE ${objectNames.differential}, ${objectNames.full}, ${objectNames.matview}`);
}

async function dropObjects(client: Client): Promise<void> {
  for (const kind of ["differential", "full"] as const) {
    const exists = await client.query("SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_name = $1", [objectNames[kind]]);
    if (exists.rowCount) await client.query("SELECT pgtrickle.drop_stream_table($1)", [objectNames[kind]]);
  }
  await client.query(`DROP MATERIALIZED VIEW IF EXISTS ${objectNames.matview}`);
}

async function timeRefresh(client: Client, kind: RefreshKind, repetition: number, position: number): Promise<RefreshTiming> {
  const name = objectNames[kind];
  const sql = kind === "matview" ? `REFRESH MATERIALIZED VIEW ${name}` : "SELECT pgtrickle.refresh_stream_table($1)";
  const params = kind === "matview" ? [] : [name];
  const started = performance.now();
  await client.query(sql, params);
  const clientMs = performance.now() - started;
  if (kind === "matview") return { kind, repetition, position, clientMs };

  const history = await client.query<{ action: string; ms: number; rows_inserted: string; rows_deleted: string }>(
    `SELECT h.action, extract(epoch FROM h.end_time - h.start_time)::float8 * 1000 AS ms, h.rows_inserted, h.rows_deleted
       FROM pgtrickle.pgt_refresh_history AS h JOIN pgtrickle.pgt_stream_tables AS s USING (pgt_id)
      WHERE s.pgt_name = $1 ORDER BY h.refresh_id DESC LIMIT 1`,
    [name],
  );
  const row = history.rows[0];
  const timing: RefreshTiming = {
    kind, repetition, position, clientMs,
    serverMs: row?.ms, action: row?.action, rowsInserted: Number(row?.rows_inserted), rowsDeleted: Number(row?.rows_deleted),
  };
  const expected = kind === "differential" ? "DIFFERENTIAL" : "FULL";
  if (timing.action !== expected) {
    throw new Error(`the ${kind} stream table refreshed as ${timing.action ?? "nothing"}, expected ${expected}`);
  }
  return timing;
}

/** Fails unless the DIFFERENTIAL stream table holds exactly the query's rows, duplicates included. */
async function verify(client: Client, workload: Workload, label: string, repetition: number): Promise<void> {
  const columns = workload.columns.join(", ");
  const stored = `SELECT ${columns} FROM ${objectNames.differential}`;
  const query = `SELECT ${columns} FROM (${workload.query}) AS q`;
  const check = await client.query<{ extra: string; missing: string }>(
    `SELECT (SELECT count(*) FROM (${stored} EXCEPT ALL ${query}) AS x) AS extra,
            (SELECT count(*) FROM (${query} EXCEPT ALL ${stored}) AS y) AS missing`,
  );
  const { extra, missing } = check.rows[0];
  if (extra !== "0" || missing !== "0") {
    throw new Error(
      `${label}, repetition ${repetition + 1}: the DIFFERENTIAL stream table differs from its query ` +
        `(${extra} rows too many, ${missing} rows missing)`,
    );
  }
}

function seedFor(seed: number, repetition: number): number {
  // setseed takes a value in [-1, 1].
  return (((seed * 7919 + repetition * 104729) % 20000) - 10000) / 10000;
}

function describeRound(round: RefreshTiming[]): string {
  return round.map((t) => `${t.kind} ${t.clientMs.toFixed(1)} ms`).join(", ");
}

/** A change fraction as a percentage, e.g. 0.001 → "0.1%". */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}
