/**
 * @fileoverview The long-lived development clusters behind `pgtrickle dev`: one per PostgreSQL
 * major in `<cache>/clusters/dev-<major>`, on port 5417 or 5418 unless told otherwise, each with a
 * `pgtrickle` database and the extension built and installed from this checkout.
 */
import { join } from "node:path";
import { Cluster, installExtension } from "./cluster.ts";
import { cacheRoot, ensurePostgres, type PgMajor } from "./provision.ts";
import { logToStderr, type Log } from "./subprocess.ts";

/** The majors a development cluster can run. */
export const devMajors: readonly PgMajor[] = [17, 18];

/** The port a development cluster listens on unless another is asked for. */
export const defaultDevPort: Record<PgMajor, number> = { 17: 5417, 18: 5418 };

/** The database `dev start` creates and connects to. */
export const devDatabase = "pgtrickle";

/** Options for {@link startDevCluster}. */
export interface StartDevClusterOptions {
  major: PgMajor;
  /** Default: the port recorded for an existing cluster, else {@link defaultDevPort}. */
  port?: number;
  /** Build and install the extension first (default true). */
  build?: boolean;
  log?: Log;
}

/** Where the development cluster of a major keeps its data. */
export function devDataDir(major: PgMajor): string {
  return join(cacheRoot(), "clusters", `dev-${major}`);
}

/** The development cluster of a major, if one was created. */
export function openDevCluster(major: PgMajor, log: Log = logToStderr): Cluster | undefined {
  return Cluster.open(devDataDir(major), log);
}

/**
 * Provisions PostgreSQL (assert flavor), builds and installs the extension, creates the cluster if
 * missing, starts it if stopped, creates the `pgtrickle` database, and returns its URI.
 */
export async function startDevCluster(options: StartDevClusterOptions): Promise<{ cluster: Cluster; uri: string }> {
  const { major, build = true, log = logToStderr } = options;
  const install = await ensurePostgres({ major, flavor: "assert", log });
  if (build) {
    try {
      await installExtension(install, { log });
    } catch (error) {
      if (process.env.PGTRICKLE_NO_PRELOAD !== "1") throw error;
      log(`warning: ${(error as Error).message}; continuing because PGTRICKLE_NO_PRELOAD=1`);
    }
  }
  const existing = openDevCluster(major, log);
  const port = options.port ?? existing?.port ?? defaultDevPort[major];
  if (existing && existing.port !== port && (await existing.isRunning())) {
    log(`restarting the PostgreSQL ${major} development cluster to move it from port ${existing.port} to ${port}`);
    await existing.stop();
  }
  const cluster = await Cluster.create({ pgConfig: install.pgConfig, dataDir: devDataDir(major), port, log });
  await cluster.start();
  await cluster.createDatabase(devDatabase);
  return { cluster, uri: cluster.uri(devDatabase) };
}

/** Stops the development cluster of a major; false if there is none. */
export async function stopDevCluster(major: PgMajor, log: Log = logToStderr): Promise<boolean> {
  const cluster = openDevCluster(major, log);
  if (!cluster) return false;
  await cluster.stop();
  return true;
}

/** One line of `dev status`. */
export interface DevClusterStatus {
  major: PgMajor;
  dataDir: string;
  exists: boolean;
  running: boolean;
  version?: string;
  uri?: string;
}

/** The state of every development cluster. */
export async function devClusterStatus(): Promise<DevClusterStatus[]> {
  return Promise.all(
    devMajors.map(async (major) => {
      const cluster = openDevCluster(major);
      if (!cluster) return { major, dataDir: devDataDir(major), exists: false, running: false };
      return {
        major,
        dataDir: cluster.dataDir,
        exists: true,
        running: await cluster.isRunning(),
        version: cluster.version,
        uri: cluster.uri(devDatabase),
      };
    }),
  );
}
