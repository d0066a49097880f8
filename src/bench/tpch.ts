/**
 * @fileoverview `npm run bench:tpch`: the 22 TPC-H queries, each kept
 * four ways — a DIFFERENTIAL, a FULL and an AUTO stream table and a materialized view — over the
 * project's TPC-H data (src/tpch/tpch.ts), refreshed after rounds of refresh functions touching a
 * fraction of the orders. All in one run on one throwaway PostgreSQL 18 release build (see
 * server.ts). After every round each DIFFERENTIAL stream table must equal its query, or the run
 * stops: a fast wrong answer is no result.
 *
 * AUTO learns each stream table's costs from its own refreshes, so its first refreshes of a new
 * size of change cannot know them. Each fraction therefore starts with warm-up rounds (--warmup),
 * run and verified like the others but left out of the medians; what AUTO chose and took in them
 * is reported next to its steady state, so the cold start stays visible.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { projectRoot } from "../cluster/cluster.ts";
import { formatElapsed, type Log } from "../cluster/subprocess.ts";
import { load, queries, refreshRound, sizes, type TpchQuery } from "../tpch/tpch.ts";
import { spread, writeResults } from "./report.ts";
import { describeEnvironment, withBenchmarkCluster } from "./server.ts";

const usage = `usage: npm run bench:tpch -- [options]

  --scale 1                   TPC-H scale factor (1: 6 million line items)
  --fractions 0.001,0.01      share of the orders each round of refresh functions touches
  --reps 4                    rounds per fraction, counted in the medians
  --warmup 1                  rounds per fraction before those, run and verified but not counted
  --queries q1,q3,...         which queries (default: all of src/tpch/tpch.ts)
`;

interface Options { scale: number; fractions: number[]; reps: number; warmup: number; queries: TpchQuery[] }

class UsageError extends Error {}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { scale: 1, fractions: [0.001, 0.01], reps: 4, warmup: 1, queries };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--scale": options.scale = positive(value(), flag); break;
      case "--fractions": options.fractions = value().split(",").map((v) => positive(v, flag)); break;
      case "--reps": options.reps = Math.round(positive(value(), flag)); break;
      case "--warmup": options.warmup = Math.round(nonNegative(value(), flag)); break;
      case "--queries": {
        const names = value().split(",");
        options.queries = queries.filter((q) => names.includes(q.name));
        if (options.queries.length !== names.length) throw new UsageError(`unknown query in ${names.join(",")} (known: ${queries.map((q) => q.name).join(", ")})`);
        break;
      }
      case "--help": case "-h": process.stdout.write(usage); process.exit(0);
      default: throw new UsageError(`unknown option ${argv[i]}`);
    }
  }
  return options;
}

function positive(text: string, flag: string): number {
  const n = nonNegative(text, flag);
  if (n <= 0) throw new UsageError(`invalid value for ${flag}: ${text}`);
  return n;
}

function nonNegative(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`invalid value for ${flag}: ${text}`);
  return n;
}

/** One query's timings in one round, in milliseconds (client wall clock, commit included); `warmup` rounds are not counted. */
interface RoundTiming {
  query: string; fraction: number; rep: number; warmup: boolean; differentialMs: number; fullMs: number; matviewMs: number; autoMs: number;
  action: string; autoAction: string; autoReason: string;
}

/**
 * The order of the four refreshes of a query (0 DIFFERENTIAL, 1 FULL, 2 materialized view, 3 AUTO)
 * in turn `n`: rotated by one place per turn, with DIFFERENTIAL first of the two it shares its
 * changes with (AUTO) in even turns and AUTO first in odd ones.
 */
function refreshOrder(n: number): number[] {
  const order = [0, 1, 2, 3].map((k) => (k + n) % 4);
  const differential = order.indexOf(0);
  const auto = order.indexOf(3);
  if ((differential < auto) !== (n % 2 === 0)) [order[differential], order[auto]] = [3, 0];
  return order;
}

/** A deterministic chooser for the refresh rounds (the same rounds in every run). */
class Lcg {
  private state: number;
  constructor(seed: number) { this.state = seed; }
  int(lo: number, hi: number): number {
    this.state = (this.state * 1103515245 + 12345) % 2147483648;
    return lo + (this.state % (hi - lo + 1));
  }
}

async function timed(client: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  const started = performance.now();
  await client.query(sql, params);
  return performance.now() - started;
}

/** The action and reason of the last refresh of `name`, and how long the server says it took. */
async function lastRefresh(client: pg.Client, name: string): Promise<{ action: string; reason: string; ms: number }> {
  const r = await client.query(`SELECT h.action, h.decision_reason, extract(epoch FROM h.end_time - h.start_time)::float8 * 1000 AS ms
    FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id)
    WHERE s.pgt_name = $1 ORDER BY h.refresh_id DESC LIMIT 1`, [name]);
  return { action: r.rows[0]?.action ?? "none", reason: r.rows[0]?.decision_reason ?? "", ms: r.rows[0]?.ms ?? NaN };
}

/** "FULL×3/DIFFERENTIAL×1": how often each action occurs in `actions`. */
function actionCounts(actions: string[]): string {
  const counts = new Map<string, number>();
  for (const a of actions) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts].sort().map(([a, n]) => `${a}×${n}`).join("/");
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Fails unless stream table `name` holds exactly the rows of `q`, duplicates included. */
async function verify(client: pg.Client, name: string, q: TpchQuery, label: string): Promise<void> {
  const cols = q.columns.join(", ");
  const r = await client.query(`SELECT (SELECT count(*) FROM (SELECT ${cols} FROM ${name} EXCEPT ALL SELECT ${cols} FROM (${q.sql}) AS q) AS a)
      + (SELECT count(*) FROM (SELECT ${cols} FROM (${q.sql}) AS q EXCEPT ALL SELECT ${cols} FROM ${name}) AS b) AS differing`);
  const differing = Number(r.rows[0].differing);
  if (differing !== 0) throw new Error(`${label}: stream table ${name} differs from its query in ${differing} rows`);
}

async function run(client: pg.Client, options: Options, version: string, startedAt: Date, log: Log): Promise<number> {
  await client.query("CREATE EXTENSION pg_trickle");
  const environment = await describeEnvironment(client, version, log);
  log(`loading TPC-H at scale factor ${options.scale}`);
  await load(client, options.scale, log);
  await client.query("VACUUM ANALYZE");
  // Measure DIFFERENTIAL as such: no fallback to FULL on large rounds.
  await client.query("SET pg_trickle.refresh_strategy = 'differential'");
  const setup: Record<string, number> = {};
  // The AUTO stream table's initial population: a FULL refresh in its history, AUTO's first FULL sample.
  const populationMs: Record<string, number> = {};
  for (const q of options.queries) {
    const started = performance.now();
    await client.query("SELECT pgtrickle.create_stream_table($1, $2, refresh_mode => 'DIFFERENTIAL')", [`d_${q.name}`, q.sql]);
    await client.query("SELECT pgtrickle.create_stream_table($1, $2, refresh_mode => 'FULL')", [`f_${q.name}`, q.sql]);
    await client.query("SELECT pgtrickle.create_stream_table($1, $2, refresh_mode => 'AUTO')", [`a_${q.name}`, q.sql]);
    await client.query(`CREATE MATERIALIZED VIEW m_${q.name} AS ${q.sql}`);
    setup[q.name] = performance.now() - started;
    populationMs[q.name] = (await lastRefresh(client, `a_${q.name}`)).ms;
    log(`${q.name}: created the DIFFERENTIAL, FULL and AUTO stream tables and the materialized view (${(setup[q.name] / 1000).toFixed(1)} s)`);
  }
  await client.query("ANALYZE");

  const timings: RoundTiming[] = [];
  // The load average after each round: on a shared machine it says how noisy the round's timings are.
  const rounds: { fraction: number; rep: number; statements: number; ms: number; loadAverage?: number }[] = [];
  const chooser = new Lcg(42);
  let nextKey = sizes(options.scale).orders + 1;
  for (const fraction of options.fractions) {
    for (let rep = -options.warmup; rep < options.reps; rep++) {
      const warmup = rep < 0;
      const label = warmup ? `warm-up ${rep + options.warmup + 1}/${options.warmup}` : `rep ${rep + 1}/${options.reps}`;
      const round = refreshRound(chooser, options.scale, fraction, nextKey);
      nextKey += round.count;
      const started = performance.now();
      await client.query("BEGIN");
      for (const statement of round.statements) await client.query(statement);
      await client.query("COMMIT");
      const ms = performance.now() - started;
      rounds.push({ fraction, rep, statements: round.statements.length, ms });
      log(`round f=${fraction} ${label}: refresh functions on ${round.count} orders applied in ${(ms / 1000).toFixed(1)} s`);
      for (const [i, q] of options.queries.entries()) {
        // Rotate the order so no way of refreshing always runs with the warmest cache. DIFFERENTIAL
        // (0) and AUTO (3) read the same changes, and the first of the two to refresh is a median
        // 2–3 % slower: they take turns per query and round.
        const order = refreshOrder(i + rep + options.warmup);
        const t: RoundTiming = {
          query: q.name, fraction, rep, warmup, differentialMs: 0, fullMs: 0, matviewMs: 0, autoMs: 0, action: "", autoAction: "", autoReason: "",
        };
        for (const k of order) {
          if (k === 0) t.differentialMs = await timed(client, "SELECT pgtrickle.refresh_stream_table($1)", [`d_${q.name}`]);
          else if (k === 1) t.fullMs = await timed(client, "SELECT pgtrickle.refresh_stream_table($1)", [`f_${q.name}`]);
          else if (k === 2) t.matviewMs = await timed(client, `REFRESH MATERIALIZED VIEW m_${q.name}`);
          else {
            // AUTO as a user gets it: pg_trickle.refresh_strategy auto chooses per refresh.
            await client.query("SET pg_trickle.refresh_strategy = 'auto'");
            t.autoMs = await timed(client, "SELECT pgtrickle.refresh_stream_table($1)", [`a_${q.name}`]);
            await client.query("SET pg_trickle.refresh_strategy = 'differential'");
          }
        }
        t.action = (await lastRefresh(client, `d_${q.name}`)).action;
        const auto = await lastRefresh(client, `a_${q.name}`);
        t.autoAction = auto.action;
        t.autoReason = auto.reason;
        if (t.action !== "DIFFERENTIAL" && t.action !== "NO_DATA") throw new Error(`d_${q.name} refreshed as ${t.action}`);
        await verify(client, `d_${q.name}`, q, `${q.name} f=${fraction} ${label}`);
        await verify(client, `a_${q.name}`, q, `${q.name} (AUTO) f=${fraction} ${label}`);
        timings.push(t);
        log(`  ${q.name}: DIFFERENTIAL ${t.differentialMs.toFixed(0)} ms (${t.action}), FULL ${t.fullMs.toFixed(0)} ms, `
          + `AUTO ${t.autoMs.toFixed(0)} ms (${t.autoAction}: ${t.autoReason}), REFRESH MATERIALIZED VIEW ${t.matviewMs.toFixed(0)} ms; verified`);
      }
      rounds[rounds.length - 1].loadAverage = loadavg()[0];
      log(`round f=${fraction} ${label} done, load average ${loadavg()[0].toFixed(1)}`);
    }
  }

  const summary = options.queries.flatMap((q) => options.fractions.map((fraction) => {
    const all = timings.filter((t) => t.query === q.name && t.fraction === fraction);
    const mine = all.filter((t) => !t.warmup);
    const differential = spread(mine.map((t) => t.differentialMs)).median;
    const full = spread(mine.map((t) => t.fullMs)).median;
    const matview = spread(mine.map((t) => t.matviewMs)).median;
    const auto = spread(mine.map((t) => t.autoMs)).median;
    // Per round the better of DIFFERENTIAL and FULL, summed: AUTO's total against it counts every round, probes included.
    const betterTotal = sum(mine.map((t) => Math.min(t.differentialMs, t.fullMs)));
    return {
      query: q.name, fraction, differentialMs: differential, fullMs: full, matviewMs: matview, autoMs: auto,
      autoActions: actionCounts(mine.map((t) => t.autoAction)), autoFirst: { ms: all[0].autoMs, action: all[0].autoAction, reason: all[0].autoReason },
      warmupActions: actionCounts(all.filter((t) => t.warmup).map((t) => t.autoAction)),
      fullOverDifferential: full / differential, matviewOverDifferential: matview / differential, autoOverBest: auto / Math.min(differential, full),
      autoTotalOverBetterTotal: sum(mine.map((t) => t.autoMs)) / betterTotal,
    };
  }));
  const file = writeResults(join(projectRoot, "bench-results"), startedAt,
    { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), options: { ...options, queries: options.queries.map((q) => q.name) }, environment, setup, populationMs, rounds, summary, timings },
    "tpch");
  log(`results written to ${file}`);
  const lines = [
    "| query | changes | DIFFERENTIAL ms | FULL ms | REFRESH MATERIALIZED VIEW ms | AUTO ms (actions) | FULL / DIFFERENTIAL | matview / DIFFERENTIAL "
      + "| AUTO / better | AUTO total / better total | AUTO in the first warm-up round |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...summary.map((s) => `| ${s.query.toUpperCase()} | ${(s.fraction * 100).toString()}% | ${s.differentialMs.toFixed(0)} | ${s.fullMs.toFixed(0)} | ${s.matviewMs.toFixed(0)} | `
      + `${s.autoMs.toFixed(0)} (${s.autoActions}) | ${s.fullOverDifferential.toFixed(1)} | ${s.matviewOverDifferential.toFixed(1)} | ${s.autoOverBest.toFixed(2)} | `
      + `${s.autoTotalOverBetterTotal.toFixed(2)} | ${options.warmup > 0 ? `${s.autoFirst.ms.toFixed(0)} (${s.autoFirst.action})` : "none"} |`),
  ];
  process.stdout.write(`\n${lines.join("\n")}\n\nmedian client wall-clock ms per refresh over ${options.reps} rounds per fraction, after ${options.warmup} `
    + "warm-up round(s) run and verified but not counted; ratios above 1 mean DIFFERENTIAL is faster; AUTO / better: AUTO's median against the "
    + "faster median of DIFFERENTIAL and FULL; AUTO total / better total: AUTO's time over the counted rounds against the faster of the two in each round\n");
  process.stdout.write(`\nAUTO's stream tables' initial population (its first FULL sample), ms: ${options.queries.map((q) => `${q.name.toUpperCase()} ${populationMs[q.name].toFixed(0)}`).join(", ")}\n`);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  const startedAt = new Date();
  const log: Log = (line) => process.stderr.write(`[bench:tpch ${formatElapsed(Date.now() - startedAt.getTime()).padStart(6)}] ${line}\n`);
  return withBenchmarkCluster(log, (_cluster, client, version) => run(client, options, version, startedAt, log));
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench:tpch: ${error.message}\n\n${usage}`);
      process.exit(2);
    }
    process.stderr.write(`bench:tpch: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
