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
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Cluster, installExtension, projectRoot, type SettingValue } from "../cluster/cluster.ts";
import { ensurePostgres } from "../cluster/provision.ts";
import { formatElapsed, type Log } from "../cluster/subprocess.ts";
import { formatLiving, runLivingBenchmarks, type LivingResult } from "./living.ts";
import { runCase, type CaseResult } from "./measure.ts";
import { describeMachine, formatMarkdownTable, formatTable, summarize, writeResults } from "./report.ts";
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

/**
 * Server settings of the benchmark cluster (2 cores, 24 GiB). fsync stays on. The scheduler is off
 * except in the living-system database: the refresh cases time manual refreshes.
 */
const benchmarkSettings: Record<string, SettingValue> = {
  "pg_trickle.enabled": false,
  shared_buffers: "2GB",
  work_mem: "64MB",
  maintenance_work_mem: "512MB",
  effective_cache_size: "16GB",
  max_wal_size: "8GB",
  checkpoint_timeout: "30min",
  synchronous_commit: false,
};

/** Settings reported with the results, whatever their source. */
const reportedSettings = [
  "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size", "max_wal_size", "checkpoint_timeout",
  "synchronous_commit", "fsync", "wal_level", "jit", "max_parallel_workers_per_gather", "autovacuum",
  "shared_preload_libraries", "pg_trickle.refresh_strategy",
];

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

/** A TCP port on 127.0.0.1 nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  const startedAt = new Date();
  const log: Log = (line) => process.stderr.write(`[bench ${formatElapsed(Date.now() - startedAt.getTime()).padStart(6)}] ${line}\n`);

  const install = await ensurePostgres({ major: 18, flavor: "release", log });
  log(`PostgreSQL ${install.version} (release build) at ${install.prefix}`);
  await installExtension(install, { log });

  const workDir = mkdtempSync(join(tmpdir(), "pgtrickle-bench-"));
  const cluster = await Cluster.create({
    pgConfig: install.pgConfig, dataDir: join(workDir, "data"), port: await freePort(), settings: benchmarkSettings, fsync: true, log,
  });
  let removal: Promise<void> | undefined;
  const cleanUp = () => {
    removal ??= (async () => {
      log(`stopping and removing the benchmark cluster in ${workDir}`);
      await cluster.remove().catch((error: Error) => log(`warning: could not remove the cluster: ${error.message}`));
      rmSync(workDir, { recursive: true, force: true });
    })();
    return removal;
  };
  // Ctrl-C reaches this process twice (from the terminal and relayed by tsx): stay until removed.
  const interrupted = () => void cleanUp().finally(() => process.exit(130));
  process.on("SIGINT", interrupted);
  process.on("SIGTERM", interrupted);

  try {
    await cluster.start();
    await cluster.createDatabase("bench");
    const client = new pg.Client({ connectionString: cluster.uri("bench"), application_name: "pg_trickle bench" });
    // Stopping the server on Ctrl-C ends the connection; that must not crash the cleanup.
    client.on("error", (error) => log(`connection lost: ${error.message}`));
    await client.connect();
    try {
      let living: LivingResult | undefined;
      if (options.living !== "no") {
        await cluster.createDatabase("bench_living");
        living = await runLivingBenchmarks(client, cluster.uri("bench_living"), "bench_living", {
          latencySamples: options.latencySamples, singleRowStatements: 2000, bulkRepetitions: 5, noDataRefreshes: 200,
          throughputRows: 1_000_000, throughputSeconds: 10, throughputRounds: 3, bindir: cluster.bindir,
        }, log);
      }
      return await runAll(client, options, startedAt, install.version, living, log);
    } finally {
      await client.end();
    }
  } finally {
    await cleanUp();
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

async function runAll(client: pg.Client, options: Options, startedAt: Date, version: string, living: LivingResult | undefined, log: Log): Promise<number> {
  await client.query("CREATE EXTENSION pg_trickle");
  // Measure DIFFERENTIAL as such: no fallback to FULL on large change batches.
  await client.query("SET pg_trickle.refresh_strategy = 'differential'");
  const settingRows = await client.query<{ name: string; value: string }>(
    "SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name", [reportedSettings],
  );
  const settings = Object.fromEntries(settingRows.rows.map((r) => [r.name, r.value]));
  const serverVersion = (await client.query<{ v: string }>("SELECT version() AS v")).rows[0].v;
  const environment = describeMachine(serverVersion, `PostgreSQL ${version}, release build (no assertions)`, settings);
  log(`settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(", ")}`);

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
