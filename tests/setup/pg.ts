/**
 * @fileoverview Helpers for integration tests: which PostgreSQL majors are under test, clients
 * connected to their clusters, and a database of its own for each test file.
 */
import { basename, dirname, join } from "node:path";
import pg from "pg";
import { expect, inject } from "vitest";
import { pgConfigVersion, type PgInstall } from "../../src/cluster/provision.ts";

/** The URIs of the test clusters by major, from vitest's provide() or PGTRICKLE_TEST_URIS. */
export function pgUris(): Record<string, string> {
  const provided = inject("pgUris");
  if (provided) return provided;
  const fromEnvironment = process.env.PGTRICKLE_TEST_URIS;
  return fromEnvironment ? (JSON.parse(fromEnvironment) as Record<string, string>) : {};
}

/** The PostgreSQL majors under test, ascending; empty for unit-only runs. */
export function pgVersions(): number[] {
  return Object.keys(pgUris()).map(Number).sort((a, b) => a - b);
}

/** The URI of a major's test cluster, optionally for another database. */
export function pgUri(major: number, database?: string): string {
  const uri = pgUris()[String(major)];
  if (!uri) throw new Error(`no PostgreSQL ${major} cluster under test (PGTRICKLE_TEST_PG)`);
  if (database === undefined) return uri;
  const url = new URL(uri);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** A client connected to a major's test cluster (the extension is not created here). */
export async function connect(major: number, database?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: pgUri(major, database) });
  await client.connect();
  return client;
}

/** A database created for one test file; `drop()` removes it even while clients are connected. */
export interface FreshDatabase {
  name: string;
  uri: string;
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

let databaseCounter = 0;

/** Creates a uniquely named database, named after the current test file, on a major's cluster. */
export async function createFreshDatabase(major: number): Promise<FreshDatabase> {
  const name = uniqueDatabaseName();
  await administer(major, `CREATE DATABASE "${name}"`);
  return {
    name,
    uri: pgUri(major, name),
    connect: () => connect(major, name),
    drop: () => administer(major, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** Runs `work` with a client on a database of its own, then drops that database. */
export async function withFreshDatabase<T>(major: number, work: (client: pg.Client, database: FreshDatabase) => Promise<T>): Promise<T> {
  const database = await createFreshDatabase(major);
  try {
    const client = await database.connect();
    try {
      return await work(client, database);
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
}

async function administer(major: number, sql: string): Promise<void> {
  const client = await connect(major);
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** e.g. "t_cluster_4821_1_k3x9": the test file, the worker's pid, a counter and a random tail. */
function uniqueDatabaseName(): string {
  const testPath = expect.getState().testPath;
  const file = testPath ? basename(testPath).replace(/\.test\.ts$/, "") : "test";
  const slug = file.toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 30);
  const random = Math.random().toString(36).slice(2, 6);
  return `t_${slug}_${process.pid}_${++databaseCounter}_${random}`;
}

/** The installation the suite's cluster of `major` runs, read from the server itself. */
export async function testInstallation(major: number): Promise<PgInstall> {
  const client = await connect(major);
  try {
    const bindir = (await client.query("SELECT setting FROM pg_config WHERE name = 'BINDIR'")).rows[0].setting as string;
    const pgConfig = join(bindir, "pg_config");
    return { prefix: dirname(bindir), bindir, pgConfig, version: pgConfigVersion(pgConfig), major };
  } finally {
    await client.end();
  }
}
