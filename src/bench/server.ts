/**
 * @fileoverview The benchmarks' PostgreSQL: a release build (no assertions) provisioned into the
 * cache, pg_trickle built and installed into it, and a throwaway cluster with settings for a
 * benchmark, removed again at the end — also when a case fails or the run is interrupted.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Cluster, installExtension, type SettingValue } from "../cluster/cluster.ts";
import { ensurePostgres } from "../cluster/provision.ts";
import type { Log } from "../cluster/subprocess.ts";
import { describeMachine, type Environment } from "./report.ts";

/**
 * Server settings of the benchmark cluster (2 cores, 24 GiB). fsync stays on. The scheduler is off
 * except in the living-system database: the refresh cases time manual refreshes.
 */
export const benchmarkSettings: Record<string, SettingValue> = {
  "pg_trickle.enabled": false,
  shared_buffers: "2GB",
  work_mem: "64MB",
  maintenance_work_mem: "512MB",
  effective_cache_size: "16GB",
  max_wal_size: "8GB",
  checkpoint_timeout: "30min",
  synchronous_commit: false,
  // The data (2–3 GB at scale factor 1) stays in memory, where PostgreSQL's documentation advises
  // lowering random_page_cost: at the default 4 the planner reaches line items of changed orders
  // through all line items of their suppliers rather than by order (TPC-H Q21).
  random_page_cost: 1.1,
};

/** Settings reported with the results, whatever their source. */
export const reportedSettings = [
  "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size", "max_wal_size", "checkpoint_timeout",
  "random_page_cost", "synchronous_commit", "fsync", "wal_level", "jit", "max_parallel_workers_per_gather", "autovacuum",
  "shared_preload_libraries", "pg_trickle.refresh_strategy",
];


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

/**
 * Runs `work` with a client on database `bench` of a fresh benchmark cluster; `version` is the
 * PostgreSQL version. The cluster is stopped and deleted afterwards, also on Ctrl-C.
 */
export async function withBenchmarkCluster(log: Log, work: (cluster: Cluster, client: pg.Client, version: string) => Promise<number>): Promise<number> {
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
      return await work(cluster, client, install.version);
    } finally {
      await client.end();
    }
  } finally {
    await cleanUp();
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

/** The machine, the server and its benchmark-relevant settings, for the results file. */
export async function describeEnvironment(client: pg.Client, version: string, log: Log): Promise<Environment> {
  const settingRows = await client.query<{ name: string; value: string }>(
    "SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name", [reportedSettings],
  );
  const settings = Object.fromEntries(settingRows.rows.map((r) => [r.name, r.value]));
  const serverVersion = (await client.query<{ v: string }>("SELECT version() AS v")).rows[0].v;
  log(`settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  return describeMachine(serverVersion, `PostgreSQL ${version}, release build (no assertions)`, settings);
}
