/**
 * @fileoverview The "living system" benchmarks, in a database of their own where the background
 * scheduler is on:
 *
 * - commit-to-visible latency: a stream table with a 1-second schedule whose schedule has elapsed;
 *   a writer commits one row and a reader polls until the row is in the stream table. With the
 *   commit-time wake the scheduler refreshes at once; without it (`pg_trickle.wake_on_commit = off`
 *   in the writer) the change waits for the scheduler's poll (`pg_trickle.scheduler_interval_ms`).
 * - write overhead: single-row and 10,000-row INSERT / UPDATE / DELETE on a table without a stream
 *   table, with a DIFFERENTIAL one reading it (change capture), and with an IMMEDIATE one (the
 *   stream table is maintained in the statement), as ratios.
 * - a refresh with nothing to do (NO_DATA): its cost.
 * - writer throughput: pgbench with 8 clients updating random rows of a 1,000,000-row table, without
 *   a stream table and under a 1,000-group IMMEDIATE aggregate, alternating, as transactions/s;
 *   with synchronous_commit on (PostgreSQL's default: commits wait for the WAL flush) and off (the
 *   benchmark server's setting: the writers are bound by CPU alone, the harder case).
 *
 * Times are client wall clock. Medians and the spread are reported, with the load average, because
 * the machine has two cores shared with the server.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
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
  /** Rows of the throughput table, seconds per pgbench run, and runs per variant. */
  throughputRows: number;
  throughputSeconds: number;
  throughputRounds: number;
  /** The PostgreSQL bin directory (for pgbench). */
  bindir: string;
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
  immediateMs: number;
  immediateRatio: number;
}

/** pgbench throughput of random single-row updates, without and with an IMMEDIATE aggregate. */
export interface ThroughputResult {
  rows: number;
  groups: number;
  clients: number;
  seconds: number;
  runs: ThroughputRun[];
}

/** The runs with one synchronous_commit setting. */
export interface ThroughputRun {
  synchronousCommit: "on" | "off";
  plainTps: number[];
  immediateTps: number[];
  ratio: number;
}

/** Everything the living-system benchmarks measured. */
export interface LivingResult {
  latency: { withWake: Distribution; withoutWake: Distribution; schedulerIntervalMs: number };
  overhead: OverheadRow[];
  noDataRefresh: Distribution;
  throughput: ThroughputResult;
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
    await writer.query("CREATE TABLE w_immediate (id int PRIMARY KEY, g int, v int)");
    await writer.query("SELECT pgtrickle.create_stream_table('w_imm', 'SELECT g, count(*) AS n, sum(v) AS s FROM w_immediate GROUP BY g', refresh_mode => 'IMMEDIATE')");
    const overhead: OverheadRow[] = [];
    for (const [statement, rows, sql] of writeStatements(options)) {
      const [plainMs, capturedMs, immediateMs] = await timeInterleaved(writer, [sql("w_plain"), sql("w_captured"), sql("w_immediate")]);
      overhead.push({ statement, rows, plainMs, capturedMs, ratio: capturedMs / plainMs, immediateMs, immediateRatio: immediateMs / plainMs });
      log(`  ${statement}: ${plainMs.toFixed(3)} ms without, ${capturedMs.toFixed(3)} ms with capture, ${immediateMs.toFixed(3)} ms IMMEDIATE`);
    }
    await expectExact(writer, "w_imm", "w_immediate");
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
    const throughput = await writerThroughput(writer, uri, options, log);
    loadAverages.push(loadavg()[0]);
    return { latency: { withWake, withoutWake, schedulerIntervalMs }, overhead, noDataRefresh: distribution(noData), throughput, loadAverages };
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
 * The median times of lists of statements run alternately (a[0], b[0], c[0], a[1], ...), each in
 * its own transaction (autocommit), so that no side always runs with the warmer caches.
 */
async function timeInterleaved(client: pg.Client, sides: string[][]): Promise<number[]> {
  const times: number[][] = sides.map(() => []);
  for (let i = 0; i < sides[0].length; i++) {
    for (let side = 0; side < sides.length; side++) {
      const started = performance.now();
      await client.query(sides[side][i]);
      times[side].push(performance.now() - started);
    }
  }
  return times.map((t) => distribution(t).p50);
}

/**
 * pgbench, 8 clients, each transaction one UPDATE of a random row of a table of
 * `throughputRows` rows in 1,000 groups: on a table without a stream table, and on one read by a
 * 1,000-group IMMEDIATE aggregate, in alternating runs. Each writer locks only the group it
 * changes, so the stream table does not serialize them.
 */
async function writerThroughput(client: pg.Client, uri: string, options: LivingOptions, log: Log): Promise<ThroughputResult> {
  const groups = 1000;
  const clients = 8;
  log(`writer throughput: ${options.throughputRows.toLocaleString("en-US")} rows, ${groups} groups, ${clients} pgbench clients`);
  for (const table of ["tp_plain", "tp_immediate"]) {
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, g int NOT NULL, v bigint NOT NULL)`);
    await client.query(`INSERT INTO ${table} SELECT i, i % ${groups}, i FROM generate_series(1, ${options.throughputRows}) i`);
    await client.query(`VACUUM ANALYZE ${table}`);
  }
  await client.query("SELECT pgtrickle.create_stream_table('tp_sums', 'SELECT g, count(*) AS n, sum(v) AS s FROM tp_immediate GROUP BY g', refresh_mode => 'IMMEDIATE')");
  const dir = mkdtempSync(join(tmpdir(), "pgtrickle-pgbench-"));
  const runs: ThroughputRun[] = [];
  for (const table of ["tp_plain", "tp_immediate"]) {
    writeFileSync(join(dir, `${table}.sql`), `\\set id random(1, ${options.throughputRows})\nUPDATE ${table} SET v = v + 1 WHERE id = :id;\n`);
  }
  try {
    for (const synchronousCommit of ["on", "off"] as const) {
      const run: ThroughputRun = { synchronousCommit, plainTps: [], immediateTps: [], ratio: 0 };
      for (let round = 1; round <= options.throughputRounds; round++) {
        for (const [table, out] of [["tp_plain", run.plainTps], ["tp_immediate", run.immediateTps]] as const) {
          const script = join(dir, `${table}.sql`);
          const output = execFileSync(join(options.bindir, "pgbench"), ["-n", "-M", "prepared", "-c", String(clients), "-j", "2",
            "-T", String(options.throughputSeconds), "-f", script, uri],
          { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PGOPTIONS: `-c synchronous_commit=${synchronousCommit}` } });
          const tps = Number(/tps = ([0-9.]+)/.exec(output)?.[1]);
          if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${output}`);
          out.push(tps);
          log(`  synchronous_commit ${synchronousCommit}, round ${round}/${options.throughputRounds}, ${table}: ${tps.toFixed(0)} transactions/s`);
        }
      }
      run.ratio = median(run.immediateTps) / median(run.plainTps);
      runs.push(run);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await expectExact(client, "tp_sums", "tp_immediate");
  return { rows: options.throughputRows, groups, clients, seconds: options.throughputSeconds, runs };
}

/** Fails unless IMMEDIATE stream table `st` (`SELECT g, count(*) AS n, sum(v) AS s FROM source GROUP BY g`) equals its query. */
async function expectExact(client: pg.Client, st: string, source: string): Promise<void> {
  const query = `SELECT g, count(*) AS n, sum(v) AS s FROM ${source} GROUP BY g`;
  const r = await client.query(`SELECT count(*)::int AS n FROM ((SELECT g, n, s FROM ${st} EXCEPT ALL ${query})
      UNION ALL (${query} EXCEPT ALL SELECT g, n, s FROM ${st})) AS d`);
  if (r.rows[0].n !== 0) throw new Error(`IMMEDIATE stream table ${st} is not equal to its query after the benchmark`);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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
    "write overhead (median ms per statement; a 100-group aggregate reads the table):",
    "  statement           | without ST | DIFFERENTIAL (capture) | ratio | IMMEDIATE | ratio",
    ...result.overhead.map((r) => `  ${r.statement.padEnd(19)} | ${ms(r.plainMs).padStart(10)} | ${ms(r.capturedMs).padStart(22)} | `
      + `${r.ratio.toFixed(2).padStart(4)}× | ${ms(r.immediateMs).padStart(9)} | ${r.immediateRatio.toFixed(2)}×`),
    "",
    `refresh with nothing to do (NO_DATA): ${d(result.noDataRefresh)}`,
    "",
    `writer throughput, pgbench -c ${result.throughput.clients}, random single-row UPDATEs of ${result.throughput.rows.toLocaleString("en-US")} rows, ${result.throughput.seconds} s runs:`,
    ...result.throughput.runs.flatMap((run) => [
      `  synchronous_commit = ${run.synchronousCommit}:`,
      `    without a stream table:                 ${run.plainTps.map((t) => t.toFixed(0)).join(", ")} transactions/s`,
      `    under a ${result.throughput.groups}-group IMMEDIATE aggregate: ${run.immediateTps.map((t) => t.toFixed(0)).join(", ")} transactions/s`,
      `    ratio of the medians: ${run.ratio.toFixed(2)}`,
    ]),
    `load average during the runs: ${result.loadAverages.map((l) => l.toFixed(2)).join(", ")}`,
  ];
  return lines.join("\n");
}
