/**
 * @fileoverview Managed PostgreSQL clusters for development, demos and tests, and the build and
 * install of the extension into a PostgreSQL installation.
 *
 * A cluster is a data directory plus a `pgtrickle-cluster.json` describing it (binaries, port),
 * and a `pgtrickle.conf` included from `postgresql.conf` with the settings this project needs.
 * Authentication is `trust` for local and 127.0.0.1 connections: these clusters are for
 * development and tests only. PostgreSQL refuses to run as root, so when this process is root the
 * server programs run as the unprivileged system user `pgtrickle`, created on first use, which
 * owns the data directory and the socket directory.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, parse, resolve } from "node:path";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { withFileLock } from "./file-lock.ts";
import { cacheRoot, pgConfigVersion } from "./provision.ts";
import { isRoot, logToStderr, readTail, run, type Log } from "./subprocess.ts";

/** The system user that runs PostgreSQL when this process is root. */
export const serviceUser = "pgtrickle";

/** The superuser role every managed cluster is initialized with. */
export const superuserRole = "postgres";

/** The project root: where the Makefile lives. */
export const projectRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** A value of a postgresql.conf setting. */
export type SettingValue = string | number | boolean;

/** Options for {@link Cluster.create}; give either `pgConfig` or `bindir`. */
export interface ClusterOptions {
  pgConfig?: string;
  bindir?: string;
  dataDir: string;
  port: number;
  /** Extra settings, applied after (and overriding) the project's defaults. */
  settings?: Record<string, SettingValue>;
  /** `false` for throwaway test clusters: sets `fsync = off` and skips syncing at initdb. */
  fsync?: boolean;
  log?: Log;
}

/** What `pgtrickle-cluster.json` in the data directory records. */
interface ClusterDescription {
  bindir: string;
  port: number;
  version: string;
}

const descriptionFile = "pgtrickle-cluster.json";
const settingsFile = "pgtrickle.conf";
const startTimeoutSeconds = 60;

/** A PostgreSQL cluster this project manages. */
export class Cluster {
  private constructor(
    readonly dataDir: string,
    readonly bindir: string,
    readonly port: number,
    readonly version: string,
    private readonly log: Log,
  ) {}

  /** Initializes the data directory unless it already holds a cluster, and (re)writes its settings. */
  static async create(options: ClusterOptions): Promise<Cluster> {
    const log = options.log ?? logToStderr;
    const dataDir = resolve(options.dataDir);
    const bindir = options.bindir ?? execFileSync(options.pgConfig!, ["--bindir"], { encoding: "utf8" }).trim();
    const version = pgConfigVersion(join(bindir, "pg_config"));
    const owner = isRoot() ? await ensureServiceUser(log) : undefined;
    if (owner) grantAccess(bindir, log);

    if (existsSync(join(dataDir, "PG_VERSION"))) {
      const dataMajor = readFileSync(join(dataDir, "PG_VERSION"), "utf8").trim();
      if (dataMajor !== String(Number.parseInt(version, 10))) {
        throw new Error(`${dataDir} holds a PostgreSQL ${dataMajor} cluster, but the binaries are ${version}`);
      }
    } else {
      await initializeDataDir(dataDir, bindir, options.fsync ?? true, owner, log);
    }

    const cluster = new Cluster(dataDir, bindir, options.port, version, log);
    cluster.writeSettings(options, owner);
    return cluster;
  }

  /** The cluster previously created in `dataDir`, or undefined if there is none. */
  static open(dataDir: string, log: Log = logToStderr): Cluster | undefined {
    const file = join(resolve(dataDir), descriptionFile);
    if (!existsSync(file)) return undefined;
    const description = JSON.parse(readFileSync(file, "utf8")) as ClusterDescription;
    return new Cluster(resolve(dataDir), description.bindir, description.port, description.version, log);
  }

  /** The directory holding the server's Unix socket. */
  get socketDir(): string {
    return join(this.dataDir, "socket");
  }

  /** The server log written by pg_ctl. */
  get logFile(): string {
    return join(this.dataDir, "server.log");
  }

  /** A libpq URI for a database of this cluster, as the superuser over TCP. */
  uri(database = "postgres"): string {
    return `postgresql://${superuserRole}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** The command line that runs this installation's psql against a database of this cluster. */
  psqlCommand(database = "postgres", extraArgs: readonly string[] = []): { command: string; args: string[] } {
    const args = ["-h", "127.0.0.1", "-p", String(this.port), "-U", superuserRole, "-d", database, ...extraArgs];
    return { command: join(this.bindir, "psql"), args };
  }

  /** Whether a server is running on this data directory. */
  async isRunning(): Promise<boolean> {
    const [command, args] = this.asOwner(join(this.bindir, "pg_ctl"), ["status", "-D", this.dataDir]);
    return (await run(command, args, { cwd: "/", allowFailure: true })).code === 0;
  }

  /** Starts the server and waits until it accepts connections; does nothing if it already runs. */
  async start(): Promise<void> {
    if (await this.isRunning()) return;
    const [command, args] = this.asOwner(join(this.bindir, "pg_ctl"), [
      "start", "-D", this.dataDir, "-l", this.logFile, "-w", "-t", String(startTimeoutSeconds), "-s",
    ]);
    const result = await run(command, args, { cwd: "/", allowFailure: true });
    if (result.code !== 0) {
      const tail = readTail(this.logFile, 30);
      throw new Error(
        `PostgreSQL ${this.version} in ${this.dataDir} did not start (port ${this.port})\n` +
          `${result.stdout}${result.stderr}--- last lines of ${this.logFile} ---\n${tail}`,
      );
    }
  }

  /** Stops the server (fast shutdown) if it runs. */
  async stop(): Promise<void> {
    if (!(await this.isRunning())) return;
    const [command, args] = this.asOwner(join(this.bindir, "pg_ctl"), ["stop", "-D", this.dataDir, "-m", "fast", "-w", "-s"]);
    await run(command, args, { cwd: "/" });
  }

  /** Stops the server and deletes the data directory. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Runs SQL through psql and returns its unaligned, tuples-only output. */
  async query(sql: string, database = "postgres"): Promise<string> {
    const { command, args } = this.psqlCommand(database, ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]);
    return (await run(command, args)).stdout.trim();
  }

  /** Creates a database unless it exists. */
  async createDatabase(name: string): Promise<void> {
    const exists = await this.query(`SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(name)}`);
    if (exists !== "1") await this.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  }

  /** Builds the argument vector that runs a server program as the data directory's owner. */
  private asOwner(command: string, args: string[]): [string, string[]] {
    return isRoot() ? ["runuser", ["-u", serviceUser, "--", command, ...args]] : [command, args];
  }

  /** Writes pgtrickle.conf and the cluster description; they take effect at the next start. */
  private writeSettings(options: ClusterOptions, owner: Owner | undefined): void {
    mkdirSync(this.socketDir, { recursive: true, mode: 0o700 });
    const settings: Record<string, SettingValue> = {
      port: this.port,
      listen_addresses: "127.0.0.1",
      unix_socket_directories: this.socketDir,
      shared_preload_libraries: process.env.PGTRICKLE_NO_PRELOAD === "1" ? "" : "pg_trickle",
      wal_level: "logical",
      max_connections: 100,
      ...(options.fsync === false ? { fsync: false } : {}),
      ...options.settings,
    };
    const lines = Object.entries(settings).map(([name, value]) => `${name} = ${formatSetting(value)}`);
    const header = "# Written by pg_trickle's cluster manager on every create; edit the options instead.\n";
    const settingsPath = join(this.dataDir, settingsFile);
    writeFileSync(settingsPath, `${header}${lines.join("\n")}\n`);
    const description: ClusterDescription = { bindir: this.bindir, port: this.port, version: this.version };
    const descriptionPath = join(this.dataDir, descriptionFile);
    writeFileSync(descriptionPath, `${JSON.stringify(description, null, 2)}\n`);

    const mainConfig = join(this.dataDir, "postgresql.conf");
    const include = `include '${settingsFile}'`;
    if (!readFileSync(mainConfig, "utf8").includes(include)) {
      writeFileSync(mainConfig, `${readFileSync(mainConfig, "utf8")}\n${include}\n`);
    }
    if (owner) {
      for (const path of [this.socketDir, settingsPath, descriptionPath]) chownSync(path, owner.uid, owner.gid);
    }
  }
}

/* ---------------------------------------------------------------------------------------------
 * Data directory and the service user
 * ------------------------------------------------------------------------------------------- */

interface Owner {
  uid: number;
  gid: number;
}

async function initializeDataDir(dataDir: string, bindir: string, fsync: boolean, owner: Owner | undefined, log: Log): Promise<void> {
  log(`initializing a PostgreSQL cluster in ${dataDir}`);
  mkdirSync(dirname(dataDir), { recursive: true });
  if (owner) grantAccess(dirname(dataDir), log);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (readdirSync(dataDir).length > 0) throw new Error(`${dataDir} is not empty and holds no PostgreSQL cluster`);
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  const initdb = join(bindir, "initdb");
  const args = ["-D", dataDir, "-U", superuserRole, "--auth=trust", "--encoding=UTF8", "--no-locale", ...(fsync ? [] : ["--no-sync"])];
  if (owner) await run("runuser", ["-u", serviceUser, "--", initdb, ...args], { cwd: "/" });
  else await run(initdb, args, { cwd: "/" });
}

/** Creates the service user on first use and returns its ids. */
async function ensureServiceUser(log: Log): Promise<Owner> {
  let lookup = await run("id", ["-u", serviceUser], { allowFailure: true });
  if (lookup.code !== 0) {
    log(`creating system user ${serviceUser} to run PostgreSQL (it refuses to run as root)`);
    await run("useradd", ["--system", "--create-home", "--shell", "/usr/sbin/nologin", serviceUser]);
    lookup = await run("id", ["-u", serviceUser]);
  }
  const gid = await run("id", ["-g", serviceUser]);
  return { uid: Number(lookup.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Lets the service user reach `path`: adds the search bit for others on every ancestor missing it
 * (e.g. /root, mode 0700), and makes the installation readable if a strict umask built it.
 */
function grantAccess(path: string, log: Log): void {
  const target = resolve(path);
  let current = parse(target).root;
  for (const part of target.slice(current.length).split("/").filter(Boolean)) {
    current = join(current, part);
    if (!existsSync(current)) return;
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, mode | 0o001);
      log(`allowed others to traverse ${current} so that ${serviceUser} can reach ${target}`);
    }
  }
  const postgres = join(target, "postgres");
  if (existsSync(postgres) && (statSync(postgres).mode & 0o005) !== 0o005) {
    execFileSync("chmod", ["-R", "o+rX", dirname(target)]);
    log(`made ${dirname(target)} readable for ${serviceUser}`);
  }
}

/* ---------------------------------------------------------------------------------------------
 * Building and installing the extension
 * ------------------------------------------------------------------------------------------- */

/** Options for {@link installExtension}. */
export interface InstallExtensionOptions {
  log?: Log;
  /** The directory holding the Makefile; the repository root by default. */
  root?: string;
}

/**
 * Builds the extension with PGXS against an installation and installs it there. Output goes to
 * `<cache>/logs/extension-<major>.log` and is shown only on failure.
 */
export async function installExtension(install: { pgConfig: string }, options: InstallExtensionOptions = {}): Promise<void> {
  const log = options.log ?? logToStderr;
  const root = options.root ?? projectRoot;
  const version = pgConfigVersion(install.pgConfig);
  const logFile = join(cacheRoot(), "logs", `extension-${Number.parseInt(version, 10)}.log`);
  await withFileLock(join(cacheRoot(), "locks", "extension-build.lock"), "building the extension", log, async () => {
    mkdirSync(dirname(logFile), { recursive: true });
    rmSync(logFile, { force: true });
    log(`building pg_trickle against PostgreSQL ${version} (log: ${logFile})`);
    const pgConfigArg = `PG_CONFIG=${install.pgConfig}`;
    try {
      await run("make", ["-C", root, pgConfigArg, `-j${availableParallelism()}`], { logFile });
      await run("make", ["-C", root, pgConfigArg, "install"], { logFile });
    } catch (error) {
      log(`--- last lines of ${logFile} ---\n${readTail(logFile, 60)}`);
      throw new Error(`building or installing pg_trickle against PostgreSQL ${version} failed; full log: ${logFile}`, { cause: error });
    }
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/* ---------------------------------------------------------------------------------------------
 * Quoting
 * ------------------------------------------------------------------------------------------- */

function formatSetting(value: SettingValue): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") return String(value);
  return quoteLiteral(value);
}

/** A SQL (and postgresql.conf) string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A SQL identifier, always quoted. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
