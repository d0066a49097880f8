/**
 * @fileoverview vitest global setup: one throwaway PostgreSQL cluster per major under test.
 *
 * `PGTRICKLE_TEST_PG` lists the majors (default "17,18"; "none" for unit-only runs). For each,
 * PostgreSQL (assert flavor) is provisioned or reused, the extension is built and installed into
 * it, and a fresh cluster (fsync off) starts in a temporary directory on a free port with a
 * `pgtrickle_test` database. Tests find the URIs through `inject("pgUris")` or the JSON in
 * `PGTRICKLE_TEST_URIS`; tests/setup/pg.ts wraps both. Teardown stops and deletes the clusters.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { Cluster, freePort, installExtension } from "../../src/cluster/cluster.ts";
import { ensurePostgres, type PgMajor } from "../../src/cluster/provision.ts";
import type { Log } from "../../src/cluster/subprocess.ts";

/** The database every test cluster is created with. */
export const testDatabase = "pgtrickle_test";

const supportedMajors: readonly PgMajor[] = [17, 18];
const startAttempts = 3;
const log: Log = (line) => process.stderr.write(`[pg] ${line}\n`);

interface TestCluster {
  cluster: Cluster;
  directory: string;
}

/** Starts the clusters and returns the teardown that removes them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const majors = requestedMajors();
  const started: TestCluster[] = [];
  const teardown = async () => {
    for (const { cluster, directory } of started.splice(0)) {
      await cluster.stop().catch((error: Error) => log(`could not stop the cluster in ${directory}: ${error.message}`));
      rmSync(directory, { recursive: true, force: true });
    }
  };
  if (majors.length === 0) return teardown;

  const uris: Record<string, string> = {};
  try {
    for (const major of majors) {
      const testCluster = await startTestCluster(major, started);
      uris[major] = testCluster.cluster.uri(testDatabase);
      log(`PostgreSQL ${testCluster.cluster.version}: ${uris[major]}`);
    }
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide("pgUris", uris);
  process.env.PGTRICKLE_TEST_URIS = JSON.stringify(uris);
  return teardown;
}

/** The majors named by PGTRICKLE_TEST_PG. */
function requestedMajors(): PgMajor[] {
  const setting = (process.env.PGTRICKLE_TEST_PG ?? "17,18").trim();
  if (setting === "none" || setting === "") return [];
  return setting.split(",").map((item) => {
    const major = Number(item.trim());
    if (!supportedMajors.includes(major as PgMajor)) {
      throw new Error(`PGTRICKLE_TEST_PG: ${item} is not one of ${supportedMajors.join(", ")} (or "none")`);
    }
    return major as PgMajor;
  });
}

async function startTestCluster(major: PgMajor, started: TestCluster[]): Promise<TestCluster> {
  const install = await ensurePostgres({ major, flavor: "assert", log });
  try {
    await installExtension(install, { log });
  } catch (error) {
    if (process.env.PGTRICKLE_NO_PRELOAD !== "1") throw error;
    log(`warning: ${(error as Error).message}; continuing because PGTRICKLE_NO_PRELOAD=1`);
  }
  const directory = mkdtempSync(join(tmpdir(), `pgtrickle-test-${major}-`));
  chmodSync(directory, 0o711); // the server may run as another user (see Cluster)
  const dataDir = join(directory, "data");
  for (let attempt = 1; ; attempt++) {
    const cluster = await Cluster.create({
      pgConfig: install.pgConfig, dataDir, port: await freePort(), fsync: false, log,
      // Stream tables refresh only when a test says so; scheduler tests turn it on per database
      // (tests/integration/scheduler-helpers.ts). Every test database with the extension has a scheduler.
      settings: { "pg_trickle.enabled": false, max_worker_processes: 40 },
    });
    const testCluster = { cluster, directory };
    try {
      await cluster.start();
      started.push(testCluster);
      await cluster.createDatabase(testDatabase);
      return testCluster;
    } catch (error) {
      // Another process may have taken the port between probing and binding it.
      if (started.includes(testCluster) || attempt >= startAttempts || !/could not bind|already in use/i.test(String(error))) {
        if (!started.includes(testCluster)) rmSync(directory, { recursive: true, force: true });
        throw error;
      }
      log(`port ${cluster.port} was taken; retrying`);
    }
  }
}
