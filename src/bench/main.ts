/**
 * @fileoverview `npm run bench`: DIFFERENTIAL refresh against FULL refresh and against
 * REFRESH MATERIALIZED VIEW, on a throwaway PostgreSQL 18 release build.
 *
 * It provisions PostgreSQL (release flavor, no assertions), builds and installs pg_trickle into
 * it, creates a cluster in a temporary directory with settings for a benchmark, runs every case
 * (workload × source size × change fraction, see measure.ts), and removes the cluster again, also
 * when a case fails. Progress goes to standard error, the result table to standard output, every
 * timing to `bench-results/bench-<timestamp>.json`. Then, in a database of its own with the
 * background scheduler on, the living-system benchmarks (living.ts): commit-to-visible latency with
 * and without the commit-time wake, the write overhead of change capture, and a NO_DATA refresh.
 */
import { join } from "node:path";
import type pg from "pg";
import { projectRoot } from "../cluster/cluster.ts";
import { formatElapsed, type Log } from "../cluster/subprocess.ts";
import { describeEnvironment, withBenchmarkCluster } from "./server.ts";
import { formatLiving, runLivingBenchmarks, type LivingResult } from "./living.ts";
import { runCase, type CaseResult } from "./measure.ts";
import { formatMarkdownTable, formatTable, summarize, writeResults } from "./report.ts";
import { loadSource, maxSourceId, workloadNames, workloads, type WorkloadName } from "./workloads.ts";

const usage = `usage: npm run bench -- [options]

  --sizes 100000,1000000      source sizes N
  --fractions 0.001,0.01,0.1  change batch sizes as fractions of N
  --workloads scan,filter,aggregate
  --reps 3                    change batches (rounds of three refreshes) per case
  --large-reps R              repetitions for sizes of 1,000,000 rows and more (default: --reps)
  --quick                     100000 rows only, one repetition
  --markdown                  also print the table as Markdown
  --latency-samples 30        commit-to-visible samples, with and without the wake
  --no-living                 skip the living-system benchmarks (latency, write overhead, NO_DATA)
  --living-only               run only those
`;

interface Options {
  sizes: number[];
  fractions: number[];
  workloads: WorkloadName[];
  reps: number;
  largeReps: number | undefined;
  markdown: boolean;
  latencySamples: number;
  living: "yes" | "no" | "only";
}

class UsageError extends Error {}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    sizes: [100_000, 1_000_000], fractions: [0.001, 0.01, 0.1], workloads: [...workloadNames], reps: 3, largeReps: undefined, markdown: false,
    latencySamples: 30, living: "yes",
  };
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--sizes": options.sizes = numbers(value(), flag, (n) => Number.isInteger(n) && n >= 100); break;
      case "--fractions": options.fractions = numbers(value(), flag, (n) => n > 0 && n <= 1); break;
      case "--reps": options.reps = numbers(value(), flag, (n) => Number.isInteger(n) && n >= 1)[0]; break;
      case "--large-reps": options.largeReps = numbers(value(), flag, (n) => Number.isInteger(n) && n >= 1)[0]; break;
      case "--workloads": options.workloads = value().split(",").map(workloadName); break;
      case "--quick": quick = true; break;
      case "--markdown": options.markdown = true; break;
      case "--latency-samples": options.latencySamples = numbers(value(), flag, (n) => Number.isInteger(n) && n >= 2)[0]; break;
      case "--no-living": options.living = "no"; break;
      case "--living-only": options.living = "only"; break;
      case "--help": case "-h": process.stdout.write(usage); process.exit(0);
      default: throw new UsageError(`unknown option ${argv[i]}`);
    }
  }
  if (quick) {
    options.sizes = [100_000];
    options.reps = 1;
  }
  return options;
}

function numbers(text: string, flag: string, valid: (n: number) => boolean): number[] {
  const values = text.split(",").map(Number);
  if (values.length === 0 || !values.every((n) => Number.isFinite(n) && valid(n))) throw new UsageError(`invalid value for ${flag}: ${text}`);
  return values;
}

function workloadName(name: string): WorkloadName {
  if (!(workloadNames as readonly string[]).includes(name)) throw new UsageError(`unknown workload ${name} (known: ${workloadNames.join(", ")})`);
  return name as WorkloadName;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  const startedAt = new Date();
  const log: Log = (line) => process.stderr.write(`[bench ${formatElapsed(Date.now() - startedAt.getTime()).padStart(6)}] ${line}\n`);

  return withBenchmarkCluster(log, async (cluster, client, version) => {
    let living: LivingResult | undefined;
    if (options.living !== "no") {
      await cluster.createDatabase("bench_living");
      living = await runLivingBenchmarks(client, cluster.uri("bench_living"), "bench_living", {
        latencySamples: options.latencySamples, singleRowStatements: 2000, bulkRepetitions: 5, noDataRefreshes: 200,
        throughputRows: 1_000_000, throughputSeconds: 10, throughputRounds: 3, bindir: cluster.bindir,
      }, log);
    }
    return runAll(client, options, startedAt, version, living, log);
  });
}

async function runAll(client: pg.Client, options: Options, startedAt: Date, version: string, living: LivingResult | undefined, log: Log): Promise<number> {
  await client.query("CREATE EXTENSION pg_trickle");
  // Measure DIFFERENTIAL as such: no fallback to FULL on large change batches.
  await client.query("SET pg_trickle.refresh_strategy = 'differential'");
  const environment = await describeEnvironment(client, version, log);

  const results: CaseResult[] = [];
  let seed = 1;
  for (const sourceRows of options.living === "only" ? [] : options.sizes) {
    const reps = sourceRows >= 1_000_000 ? (options.largeReps ?? options.reps) : options.reps;
    log(`loading ${sourceRows.toLocaleString("en-US")} source rows`);
    const loadStarted = performance.now();
    await loadSource(client, sourceRows);
    log(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
    let nextId = (await maxSourceId(client)) + 1;
    for (const name of options.workloads) {
      for (const changeFraction of options.fractions) {
        // Each case starts from a vacuumed source, not from the dead rows of the case before.
        await client.query("VACUUM ANALYZE src");
        const outcome = await runCase(client, { workload: workloads[name], sourceRows, changeFraction, repetitions: reps, nextId, seed: seed++ }, log);
        nextId = outcome.nextId;
        results.push(outcome.result);
      }
    }
  }

  const summaries = results.map(summarize);
  const file = writeResults(join(projectRoot, "bench-results"), startedAt, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options,
    environment,
    summaries,
    cases: results,
    living,
  });
  log(`results written to ${file}`);
  if (summaries.length > 0) {
    process.stdout.write(`\n${formatTable(summaries)}\n`);
    if (options.markdown) process.stdout.write(`\n${formatMarkdownTable(summaries)}\n`);
    process.stdout.write(`\nmedian (min–max) client wall-clock ms per refresh; ratios above 1 mean DIFFERENTIAL is faster\n`);
  }
  if (living) process.stdout.write(`\n${formatLiving(living)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n\n${usage}`);
      process.exit(2);
    }
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
