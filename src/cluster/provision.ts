/**
 * @fileoverview Provisioning PostgreSQL 17 and 18 from Debian's source packages.
 *
 * Debian bookworm carries only PostgreSQL 15, and the binary packages of trixie and sid need a
 * newer glibc, so the source is fetched with `apt-get source --download-only` through a private
 * apt configuration (the machine's own apt sources are never touched) and built into the cache:
 *
 *   <cache>/apt/                      private sources.list, package lists, apt cache
 *   <cache>/src/                      downloaded .dsc and orig tarballs
 *   <cache>/build/<flavor>/           extracted source trees
 *   <cache>/logs/                     full logs of every fetch and build step
 *   <cache>/locks/                    one lock per (major, flavor) build, one for apt
 *   <cache>/pg-<version>-<flavor>/    installations; complete once `.pgtrickle-complete` exists
 *
 * The cache is `$PGTRICKLE_CACHE`, by default `~/.cache/pg_trickle`. The "assert" flavor (with
 * assertions and debug symbols) serves tests and development, "release" serves benchmarks.
 * Setting `PG_CONFIG` bypasses all of this and uses that installation for every major.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { withFileLock } from "./file-lock.ts";
import { findOnPath, formatElapsed, isRoot, logToStderr, run, type Log } from "./subprocess.ts";

/** The PostgreSQL major versions the project supports building. */
export type PgMajor = 17 | 18;

/** "assert": --enable-cassert --enable-debug, for tests; "release": plain, for benchmarks. */
export type PgFlavor = "assert" | "release";

/** An installed PostgreSQL, ready for PGXS builds and for running clusters. */
export interface PgInstall {
  prefix: string;
  pgConfig: string;
  bindir: string;
  /** Upstream version, e.g. "18.6". */
  version: string;
  major: number;
}

/** Options for {@link ensurePostgres}. */
export interface EnsurePostgresOptions {
  major: PgMajor;
  flavor: PgFlavor;
  log?: Log;
}

const markerName = ".pgtrickle-complete";
const aptRefreshMilliseconds = 24 * 60 * 60 * 1000;
const progressMilliseconds = 15_000;
const debianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
const aptSuites = ["trixie", "sid"];
const commonConfigureArgs = ["--without-icu", "--without-readline", "--without-zlib"];
const flavorConfigureArgs: Record<PgFlavor, string[]> = {
  assert: ["--enable-cassert", "--enable-debug"],
  release: [],
};

/** The cache directory shared by all provisioning and managed clusters. */
export function cacheRoot(): string {
  return process.env.PGTRICKLE_CACHE || join(homedir(), ".cache", "pg_trickle");
}

/** Returns a complete PostgreSQL installation of the requested major and flavor, building it if needed. */
export async function ensurePostgres({ major, flavor, log = logToStderr }: EnsurePostgresOptions): Promise<PgInstall> {
  const fromEnvironment = process.env.PG_CONFIG;
  if (fromEnvironment) return describeEnvironmentInstall(fromEnvironment, major, log);

  const existing = findInstalledPostgres(major, flavor);
  if (existing) return existing;

  const cache = cacheRoot();
  return withFileLock(join(cache, "locks", `pg-${major}-${flavor}.lock`), `building PostgreSQL ${major} (${flavor})`, log, async () => {
    // Another process may have finished the same build while this one waited for the lock.
    const builtMeanwhile = findInstalledPostgres(major, flavor);
    if (builtMeanwhile) return builtMeanwhile;
    await ensureBuildTools(log);
    const source = await fetchSource(major, log);
    return buildPostgres(source, flavor, log);
  });
}

/** The newest complete cached installation of a major and flavor, or undefined. */
export function findInstalledPostgres(major: number, flavor: PgFlavor): PgInstall | undefined {
  const cache = cacheRoot();
  if (!existsSync(cache)) return undefined;
  const pattern = new RegExp(`^pg-(${major}\\.[0-9.]+)-${flavor}$`);
  const candidates = readdirSync(cache)
    .map((name) => pattern.exec(name)?.[1])
    .filter((version): version is string => version !== undefined)
    .sort(compareVersions)
    .reverse();
  for (const version of candidates) {
    const prefix = join(cache, `pg-${version}-${flavor}`);
    if (existsSync(join(prefix, markerName)) || adoptUnmarkedInstall(prefix, version, flavor)) {
      return installAt(prefix, version);
    }
  }
  return undefined;
}

/** Reads `pg_config --version` of an installation, e.g. "18.6". */
export function pgConfigVersion(pgConfig: string): string {
  const output = execFileSync(pgConfig, ["--version"], { encoding: "utf8" }).trim();
  const match = /^PostgreSQL (\S+)/.exec(output);
  if (!match) throw new Error(`unexpected output of ${pgConfig} --version: ${output}`);
  return match[1];
}

function describeEnvironmentInstall(pgConfig: string, major: number, log: Log): PgInstall {
  const version = pgConfigVersion(pgConfig);
  const bindir = execFileSync(pgConfig, ["--bindir"], { encoding: "utf8" }).trim();
  const actualMajor = Number.parseInt(version, 10);
  log(`using PG_CONFIG=${pgConfig} (PostgreSQL ${version})`);
  if (actualMajor !== major) log(`note: PostgreSQL ${major} was requested; PG_CONFIG provides ${version} instead`);
  return { prefix: dirname(bindir), pgConfig, bindir, version, major: actualMajor };
}

function installAt(prefix: string, version: string): PgInstall {
  const bindir = join(prefix, "bin");
  return { prefix, pgConfig: join(bindir, "pg_config"), bindir, version, major: Number.parseInt(version, 10) };
}

/**
 * Accepts an installation made without this module (no marker) if `make install` visibly ran to
 * its end: the top-level install finishes with the PGXS `config/` scripts.
 */
function adoptUnmarkedInstall(prefix: string, version: string, flavor: PgFlavor): boolean {
  const bindir = join(prefix, "bin");
  const programs = ["postgres", "initdb", "pg_ctl", "psql", "pg_config"];
  if (!programs.every((program) => existsSync(join(bindir, program)))) return false;
  try {
    const pgConfig = join(bindir, "pg_config");
    if (pgConfigVersion(pgConfig) !== version) return false;
    const pgxs = execFileSync(pgConfig, ["--pgxs"], { encoding: "utf8" }).trim();
    if (!existsSync(resolve(dirname(pgxs), "../../config/install-sh"))) return false;
    const configure = execFileSync(pgConfig, ["--configure"], { encoding: "utf8" });
    if (flavor === "assert" && !configure.includes("--enable-cassert")) return false;
    if (flavor === "release" && configure.includes("--enable-cassert")) return false;
  } catch {
    return false;
  }
  writeMarker(prefix, { version, flavor, adopted: true });
  return true;
}

function writeMarker(prefix: string, details: Record<string, unknown>): void {
  writeFileSync(join(prefix, markerName), `${JSON.stringify({ ...details, completedAt: new Date().toISOString() }, null, 2)}\n`);
}

/* ---------------------------------------------------------------------------------------------
 * Build tools
 * ------------------------------------------------------------------------------------------- */

/** Installs the programs a PostgreSQL source build needs, or says how to when not root. */
async function ensureBuildTools(log: Log): Promise<void> {
  const needs: Array<[present: boolean, debianPackage: string]> = [
    [findOnPath("make") !== undefined, "make"],
    [findOnPath("gcc") !== undefined || findOnPath("cc") !== undefined, "gcc"],
    [existsSync("/usr/include/stdio.h"), "libc6-dev"],
    [findOnPath("bison") !== undefined, "bison"],
    [findOnPath("flex") !== undefined, "flex"],
    [findOnPath("perl") !== undefined, "perl"],
    [findOnPath("bzip2") !== undefined, "bzip2"],
  ];
  const missing = needs.filter(([present]) => !present).map(([, name]) => name);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (!isRoot()) {
    throw new Error(`building PostgreSQL needs ${missing.join(", ")}; install them with:\n  sudo ${command}`);
  }
  log(`installing build tools: ${missing.join(" ")}`);
  const logFile = join(logsDir(), "apt-install.log");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = ["install", "-y", "--no-install-recommends", ...missing];
  const first = await run("apt-get", install, { env, logFile, allowFailure: true });
  if (first.code !== 0) {
    // Fresh containers often ship without package lists.
    await run("apt-get", ["update"], { env, logFile });
    await run("apt-get", install, { env, logFile });
  }
}

/* ---------------------------------------------------------------------------------------------
 * Source download through a private apt configuration
 * ------------------------------------------------------------------------------------------- */

interface SourcePackage {
  major: number;
  version: string;
  tarball: string;
}

/** Finds the downloaded orig tarball of a major, downloading it with apt-get when absent. */
async function fetchSource(major: number, log: Log): Promise<SourcePackage> {
  const sourceDir = join(cacheRoot(), "src");
  mkdirSync(sourceDir, { recursive: true });
  const downloaded = findSourceTarball(sourceDir, major);
  if (downloaded) return downloaded;

  await withFileLock(join(cacheRoot(), "locks", "apt.lock"), "an apt download", log, async () => {
    if (findSourceTarball(sourceDir, major)) return;
    const options = writeAptConfig();
    const logFile = join(logsDir(), `apt-postgresql-${major}.log`);
    const stamp = join(cacheRoot(), "apt", "lists", ".pgtrickle-updated");
    if (!existsSync(stamp) || Date.now() - statSync(stamp).mtimeMs > aptRefreshMilliseconds) {
      log(`updating the private apt source lists (${aptSuites.join(", ")})`);
      await run("apt-get", [...options, "update"], { logFile });
      writeFileSync(stamp, `${new Date().toISOString()}\n`);
    }
    log(`downloading the source of postgresql-${major} (log: ${logFile})`);
    await run("apt-get", [...options, "source", "--download-only", `postgresql-${major}`], { cwd: sourceDir, logFile });
  });
  const fetched = findSourceTarball(sourceDir, major);
  if (!fetched) throw new Error(`apt-get source postgresql-${major} left no orig tarball in ${sourceDir}`);
  log(`fetched PostgreSQL ${fetched.version} source`);
  return fetched;
}

/** The orig tarball of the newest downloaded upstream version of a major, per its .dsc files. */
function findSourceTarball(sourceDir: string, major: number): SourcePackage | undefined {
  const files = readdirSync(sourceDir);
  const versions = files
    .filter((name) => name.startsWith(`postgresql-${major}_`) && name.endsWith(".dsc"))
    .map((name) => upstreamVersion(readFileSync(join(sourceDir, name), "utf8")))
    .filter((version): version is string => version !== undefined)
    .sort(compareVersions)
    .reverse();
  for (const version of versions) {
    const tarball = files.find((name) => name.startsWith(`postgresql-${major}_${version}.orig.tar.`));
    if (tarball) return { major, version, tarball: join(sourceDir, tarball) };
  }
  return undefined;
}

/** The upstream part of a .dsc `Version:` field: "1:17.11-0+deb13u1" → "17.11". */
function upstreamVersion(dsc: string): string | undefined {
  const field = /^Version:\s*(\S+)/m.exec(dsc)?.[1];
  return field?.replace(/^\d+:/, "").replace(/-[^-]*$/, "");
}

/** Writes the private apt configuration and returns the apt-get options that select it. */
function writeAptConfig(): string[] {
  const aptDir = join(cacheRoot(), "apt");
  for (const dir of ["sources.list.d", "lists/partial", "cache/archives/partial"]) {
    mkdirSync(join(aptDir, dir), { recursive: true });
  }
  if (!existsSync(debianKeyring)) {
    throw new Error(`${debianKeyring} is missing: provisioning needs a Debian machine; set PG_CONFIG to use an existing PostgreSQL instead`);
  }
  const mirror = debianMirror();
  const sources = aptSuites.map((suite) => `deb-src [signed-by=${debianKeyring}] ${mirror} ${suite} main\n`).join("");
  const sourcesFile = join(aptDir, "sources.list");
  if (!existsSync(sourcesFile) || readFileSync(sourcesFile, "utf8") !== sources) {
    writeFileSync(sourcesFile, sources);
    rmSync(join(aptDir, "lists", ".pgtrickle-updated"), { force: true });
  }
  return [
    "-o", `Dir::Etc::sourcelist=${sourcesFile}`,
    "-o", `Dir::Etc::sourceparts=${join(aptDir, "sources.list.d")}`,
    "-o", `Dir::State::Lists=${join(aptDir, "lists")}`,
    "-o", `Dir::Cache=${join(aptDir, "cache")}`,
  ];
}

/** The Debian mirror this machine already uses for its main suite. */
export function debianMirror(): string {
  const deb822 = "/etc/apt/sources.list.d/debian.sources";
  if (existsSync(deb822)) {
    for (const stanza of readFileSync(deb822, "utf8").split(/\n\s*\n/)) {
      const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "mi").exec(stanza)?.[1].trim().split(/\s+/) ?? [];
      const uri = field("URIs")[0];
      if (uri && field("Suites").some(isMainSuite) && !uri.includes("security")) return uri.replace(/\/+$/, "");
    }
  }
  const oneLineFiles = ["/etc/apt/sources.list"];
  const partsDir = "/etc/apt/sources.list.d";
  if (existsSync(partsDir)) {
    oneLineFiles.push(...readdirSync(partsDir).filter((name) => name.endsWith(".list")).map((name) => join(partsDir, name)));
  }
  for (const file of oneLineFiles.filter((name) => existsSync(name))) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const match = /^\s*deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (match && isMainSuite(match[2]) && !match[1].includes("security")) return match[1].replace(/\/+$/, "");
    }
  }
  throw new Error("no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list; set PG_CONFIG to use an existing PostgreSQL instead");
}

/** A plain codename such as "bookworm", not "bookworm-updates" or "bookworm-security". */
function isMainSuite(suite: string): boolean {
  return /^[a-z]+$/.test(suite);
}

/* ---------------------------------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------------------------------- */

/** Extracts, configures, builds and installs one source package; writes the marker last. */
async function buildPostgres(source: SourcePackage, flavor: PgFlavor, log: Log): Promise<PgInstall> {
  const cache = cacheRoot();
  const { version } = source;
  const prefix = join(cache, `pg-${version}-${flavor}`);
  const buildParent = join(cache, "build", flavor);
  const tree = join(buildParent, `postgresql-${version}`);
  const logBase = join(logsDir(), `pg-${version}-${flavor}`);
  const started = Date.now();

  log(`building PostgreSQL ${version} (${flavor}) into ${prefix}; logs: ${logBase}-*.log`);
  rmSync(prefix, { recursive: true, force: true });
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(buildParent, { recursive: true });
  for (const step of ["configure", "make", "install"]) rmSync(`${logBase}-${step}.log`, { force: true });

  await run("tar", ["-xf", source.tarball, "-C", buildParent], { logFile: `${logBase}-configure.log` });
  const configureArgs = [`--prefix=${prefix}`, ...flavorConfigureArgs[flavor], ...commonConfigureArgs];
  log("  configure");
  await run("./configure", configureArgs, { cwd: tree, logFile: `${logBase}-configure.log` });

  const jobs = availableParallelism();
  const expected = previousCompileCount(source.major);
  log(`  make -j${jobs}`);
  const progress = setInterval(() => log(`  ${describeProgress(`${logBase}-make.log`, expected, started)}`), progressMilliseconds);
  try {
    await run("make", [`-j${jobs}`], { cwd: tree, logFile: `${logBase}-make.log` });
  } finally {
    clearInterval(progress);
  }
  log("  make install");
  await run("make", ["install"], { cwd: tree, logFile: `${logBase}-install.log` });

  writeMarker(prefix, { version, flavor, configureArgs, compileCount: countCompiles(`${logBase}-make.log`) });
  // A release tree is never debugged; an assert tree stays for the debugger's source paths.
  if (flavor === "release") rmSync(tree, { recursive: true, force: true });
  log(`built PostgreSQL ${version} (${flavor}) in ${formatElapsed(Date.now() - started)}`);
  return installAt(prefix, version);
}

/** One progress line: elapsed time, files compiled (as a share of the last build's), last file. */
function describeProgress(makeLog: string, expected: number | undefined, started: number): string {
  let text = "";
  try {
    text = readFileSync(makeLog, "utf8");
  } catch {
    // Not written yet.
  }
  const compiled = countCompilesIn(text);
  const share = expected ? ` (~${Math.min(99, Math.floor((100 * compiled) / expected))}%)` : "";
  const lastFile = lastCompiledFile(text);
  return `${formatElapsed(Date.now() - started)}: ${compiled} files compiled${share}${lastFile ? `, last ${lastFile}` : ""}`;
}

const compileLine = /\s-c\s.*?(\S+\.c)\s*$/;

/** The last C file make compiled (with parallel jobs, make's directory notes do not say where). */
function lastCompiledFile(text: string): string | undefined {
  const line = text.slice(-50_000).split("\n").reverse().find((candidate) => compileLine.test(candidate));
  return line ? compileLine.exec(line)![1] : undefined;
}

function countCompilesIn(text: string): number {
  return text.split("\n").filter((line) => compileLine.test(line)).length;
}

function countCompiles(makeLog: string): number {
  return countCompilesIn(readFileSync(makeLog, "utf8"));
}

/** The number of files an earlier build of the same major compiled, from its marker. */
function previousCompileCount(major: number): number | undefined {
  const cache = cacheRoot();
  for (const name of readdirSync(cache).filter((entry) => entry.startsWith(`pg-${major}.`))) {
    try {
      const marker = JSON.parse(readFileSync(join(cache, name, markerName), "utf8")) as { compileCount?: number };
      if (marker.compileCount) return marker.compileCount;
    } catch {
      // No marker, or one written by adoption without a count.
    }
  }
  return undefined;
}

function logsDir(): string {
  const dir = join(cacheRoot(), "logs");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Orders dotted version strings numerically: "17.9" < "17.11". */
function compareVersions(left: string, right: string): number {
  const a = left.split(".").map((part) => Number.parseInt(part, 10) || 0);
  const b = right.split(".").map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
