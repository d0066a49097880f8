/**
 * @fileoverview The "living system" benchmarks, in a database of their own where the background
 * scheduler is on:
 *
 * - commit-to-visible latency: a stream table with a 1-second schedule whose schedule has elapsed;
 *   a writer commits one row and a reader polls until the row is in the stream table. With the
 *   commit-time wake the scheduler refreshes at once; without it (`pg_trickle.wake_on_commit = off`
 *   in the writer) the change waits for the scheduler's poll (`pg_trickle.scheduler_interval_ms`).
 * - write overhead of change capture: single-row and 10,000-row INSERT / UPDATE / DELETE on a table
 *   without and with a stream table reading it, as a ratio. (IMMEDIATE mode does not exist yet.)
 * - a refresh with nothing to do (NO_DATA): its cost.
 *
 * Times are client wall clock. Medians and the spread are reported, with the load average, because
 * the machine has two cores shared with the server.
 */
import { loadavg } from "node:os";
import pg from "pg";
import type { Log } from "../cluster/subprocess.ts";

/** Options of the living-system benchmarks. */
export interface LivingOptions {
  /** Latency samples per variant (with and without the wake). */
  latencySamples: number;
  /** Single-row statements per kind and table. */
  singleRowStatements: number;
  /** Repetitions of each 10,000-row statement. */
  bulkRepetitions: number;
  /** NO_DATA refreshes timed. */
  noDataRefreshes: number;
}

/** Quantiles of a list of milliseconds. */
export interface Distribution {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/** One write-overhead comparison. */
export interface OverheadRow {
  statement: string;
  rows: number;
  plainMs: number;
  capturedMs: number;
  ratio: number;
}

/** Everything the living-system benchmarks measured. */
export interface LivingResult {
  latency: { withWake: Distribution; withoutWake: Distribution; schedulerIntervalMs: number };
  overhead: OverheadRow[];
  noDataRefresh: Distribution;
  loadAverages: number[];
}

/** Runs the three benchmarks with `uri` (a database of their own) and `admin` (any database). */
export async function runLivingBenchmarks(admin: pg.Client, uri: string, database: string, options: LivingOptions, log: Log): Promise<LivingResult> {
  await admin.query(`ALTER DATABASE "${database}" SET pg_trickle.enabled = on`);
  await admin.query("SELECT pg_reload_conf()");
  const writer = new pg.Client({ connectionString: uri, application_name: "pg_trickle bench writer" });
  const reader = new pg.Client({ connectionString: uri, application_name: "pg_trickle bench reader" });
  await writer.connect();
  await reader.connect();
  const loadAverages: number[] = [];
  try {
    await writer.query("CREATE EXTENSION IF NOT EXISTS pg_trickle");
    const schedulerIntervalMs = Number((await writer.query("SELECT setting FROM pg_settings WHERE name = 'pg_trickle.scheduler_interval_ms'")).rows[0].setting);

    log(`latency: ${options.latencySamples} commits with the commit-time wake`);
    await writer.query("CREATE TABLE lat_src (id int PRIMARY KEY, v int)");
    await writer.query("SELECT pgtrickle.create_stream_table('lat_st', 'SELECT id, v FROM lat_src', schedule => '1s', refresh_mode => 'DIFFERENTIAL')");
    let id = 0;
    const withWake = distribution(await latencies(writer, reader, options.latencySamples, () => ++id));
    loadAverages.push(loadavg()[0]);
    log(`latency: ${options.latencySamples} commits without it`);
    await writer.query("SET pg_trickle.wake_on_commit = off");
    const withoutWake = distribution(await latencies(writer, reader, options.latencySamples, () => ++id));
    await writer.query("RESET pg_trickle.wake_on_commit");
    loadAverages.push(loadavg()[0]);

    log("write overhead of change capture");
    // The scheduler must not refresh while the writes are timed: a day-long schedule.
    await writer.query("CREATE TABLE w_plain (id int PRIMARY KEY, g int, v int)");
    await writer.query("CREATE TABLE w_captured (id int PRIMARY KEY, g int, v int)");
    await writer.query("SELECT pgtrickle.create_stream_table('w_st', 'SELECT g, count(*) AS n, sum(v) AS s FROM w_captured GROUP BY g', schedule => '1d', refresh_mode => 'DIFFERENTIAL')");
    const overhead: OverheadRow[] = [];
    for (const [statement, rows, sql] of writeStatements(options)) {
      const [plainMs, capturedMs] = await timeInterleaved(writer, sql("w_plain"), sql("w_captured"));
      overhead.push({ statement, rows, plainMs, capturedMs, ratio: capturedMs / plainMs });
      log(`  ${statement}: ${plainMs.toFixed(3)} ms without, ${capturedMs.toFixed(3)} ms with capture`);
    }
    loadAverages.push(loadavg()[0]);

    log(`${options.noDataRefreshes} refreshes with nothing to do`);
    await writer.query("SELECT pgtrickle.refresh_stream_table('w_st')");
    const noData: number[] = [];
    for (let i = 0; i < options.noDataRefreshes; i++) {
      const started = performance.now();
      await writer.query("SELECT pgtrickle.refresh_stream_table('w_st')");
      noData.push(performance.now() - started);
    }
    const actions = await writer.query(`SELECT DISTINCT h.action FROM pgtrickle.pgt_refresh_history h
       JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = 'w_st' ORDER BY 1 DESC LIMIT 1`);
    if (actions.rows[0]?.action !== "NO_DATA") throw new Error("the zero-change refreshes were not NO_DATA");
    loadAverages.push(loadavg()[0]);
    return { latency: { withWake, withoutWake, schedulerIntervalMs }, overhead, noDataRefresh: distribution(noData), loadAverages };
  } finally {
    await writer.end();
    await reader.end();
  }
}

/**
 * Per sample: wait until the stream table's 1-second schedule has elapsed, commit one row, then poll
 * the stream table until the row is there. The time from the commit's return to the first poll that
 * sees the row is the latency (the polling adds at most its own round trip).
 */
async function latencies(writer: pg.Client, reader: pg.Client, samples: number, nextId: () => number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    await sleep(1100 + Math.floor(Math.random() * 300));
    const id = nextId();
    await writer.query("INSERT INTO lat_src VALUES ($1, $1)", [id]);
    const committed = performance.now();
    for (;;) {
      const seen = await reader.query("SELECT 1 FROM lat_st WHERE id = $1", [id]);
      if (seen.rowCount === 1) break;
      if (performance.now() - committed > 30000) throw new Error(`row ${id} did not arrive in 30 s`);
    }
    out.push(performance.now() - committed);
  }
  return out;
}

/** The write statements compared: [label, rows per statement, SQL for a table]. */
function writeStatements(options: LivingOptions): Array<[string, number, (table: string) => string[]]> {
  const single = options.singleRowStatements;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const bulk = 10_000;
  const reps = range(options.bulkRepetitions);
  return [
    ["single-row INSERT", 1, (t) => range(single).map((i) => `INSERT INTO ${t} VALUES (${i}, ${i % 100}, ${i})`)],
    ["single-row UPDATE", 1, (t) => range(single).map((i) => `UPDATE ${t} SET v = v + 1 WHERE id = ${i}`)],
    ["single-row DELETE", 1, (t) => range(single).map((i) => `DELETE FROM ${t} WHERE id = ${i}`)],
    ["10k-row INSERT", bulk, (t) => reps.map((r) => `INSERT INTO ${t} SELECT g, g % 100, g FROM generate_series(${r * 100_000}, ${r * 100_000 + bulk - 1}) g`)],
    ["10k-row UPDATE", bulk, (t) => reps.map((r) => `UPDATE ${t} SET v = v + 1 WHERE id BETWEEN ${r * 100_000} AND ${r * 100_000 + bulk - 1}`)],
    ["10k-row DELETE", bulk, (t) => reps.map((r) => `DELETE FROM ${t} WHERE id BETWEEN ${r * 100_000} AND ${r * 100_000 + bulk - 1}`)],
  ];
}

/**
 * The median times of two lists of statements run alternately (a[0], b[0], a[1], b[1], ...), each in
 * its own transaction (autocommit), so that neither side always runs with the warmer caches.
 */
async function timeInterleaved(client: pg.Client, a: string[], b: string[]): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < a.length; i++) {
    for (const [side, sql] of [[0, a[i]], [1, b[i]]] as const) {
      const started = performance.now();
      await client.query(sql);
      times[side].push(performance.now() - started);
    }
  }
  return [distribution(times[0]).p50, distribution(times[1]).p50];
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), min: sorted[0], max: sorted[sorted.length - 1] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The results as text tables. */
export function formatLiving(result: LivingResult): string {
  const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1);
  const d = (x: Distribution) => `p50 ${ms(x.p50)} ms, p99 ${ms(x.p99)} ms (min ${ms(x.min)}, max ${ms(x.max)}, n ${x.n})`;
  const lines = [
    "commit-to-visible latency, 1-second schedule (elapsed):",
    `  with the commit-time wake:    ${d(result.latency.withWake)}`,
    `  without (poll every ${result.latency.schedulerIntervalMs} ms): ${d(result.latency.withoutWake)}`,
    "",
    "write overhead of change capture (median ms per statement; IMMEDIATE mode does not exist yet):",
    "  statement           | without ST | with ST | ratio",
    ...result.overhead.map((r) => `  ${r.statement.padEnd(19)} | ${ms(r.plainMs).padStart(10)} | ${ms(r.capturedMs).padStart(7)} | ${r.ratio.toFixed(2)}×`),
    "",
    `refresh with nothing to do (NO_DATA): ${d(result.noDataRefresh)}`,
    `load average during the runs: ${result.loadAverages.map((l) => l.toFixed(2)).join(", ")}`,
  ];
  return lines.join("\n");
}
