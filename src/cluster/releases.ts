/**
 * @fileoverview Earlier released versions, runnable: the library of a released version built from
 * its commit, and a private copy of a PostgreSQL installation whose pg_trickle library can be
 * swapped — what a DBA's server goes through when a new package replaces the old one. Used by the
 * live upgrade test.
 *
 * Cache layout (under cacheRoot()):
 *   releases/<version>-<commit>/src/                  the source tree of that commit (git archive)
 *   releases/<version>-<commit>/pg-<pg version>/       its pg_trickle.so, built against that PostgreSQL
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { projectRoot } from "./cluster.ts";
import { withFileLock } from "./file-lock.ts";
import { cacheRoot, type PgInstall } from "./provision.ts";
import { run, type Log } from "./subprocess.ts";

/** A released version to build: its number and the commit it was released from. */
export interface Release {
  readonly version: string;
  readonly commit: string;
}

/** The path of `release`'s pg_trickle.so for `install`, building it on first use. */
export async function releasedLibrary(release: Release, install: PgInstall, log: Log): Promise<string> {
  const base = join(cacheRoot(), "releases", `${release.version}-${release.commit.slice(0, 12)}`);
  const target = join(base, `pg-${install.version}`, "pg_trickle.so");
  if (existsSync(target)) return target;
  return withFileLock(join(cacheRoot(), "locks", "release-build.lock"), `building pg_trickle ${release.version}`, log, async () => {
    if (existsSync(target)) return target;
    const source = join(base, "src");
    if (!existsSync(join(source, "Makefile"))) {
      log(`extracting pg_trickle ${release.version} (commit ${release.commit.slice(0, 7)}) into ${source}`);
      rmSync(source, { recursive: true, force: true });
      mkdirSync(source, { recursive: true });
      try {
        execFileSync("sh", ["-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", projectRoot, release.commit, source]);
      } catch (error) {
        rmSync(source, { recursive: true, force: true });
        throw new Error(`cannot extract commit ${release.commit} of pg_trickle ${release.version}: this clone lacks the history`, { cause: error });
      }
      // The build's tools (AssemblyScript, wabt, tsx) are the project's own packages.
      symlinkSync(join(projectRoot, "node_modules"), join(source, "node_modules"));
    }
    log(`building pg_trickle ${release.version} against PostgreSQL ${install.version}`);
    const logFile = join(cacheRoot(), "logs", `release-${release.version}-pg${install.version}.log`);
    await run("make", ["-C", source, `PG_CONFIG=${install.pgConfig}`, `-j${availableParallelism()}`], { logFile });
    mkdirSync(join(base, `pg-${install.version}`), { recursive: true });
    copyFileSync(join(source, "pg_trickle.so"), target);
    return target;
  });
}

/**
 * Copies an installation's programs, libraries and shared files (not its headers) into
 * `directory` and returns the copy. PostgreSQL finds its files relative to its programs, so the
 * copy runs on its own, and its pg_trickle library can be replaced without touching the original.
 */
export function copyInstallation(install: PgInstall, directory: string): PgInstall {
  for (const part of ["bin", "lib", "share"]) cpSync(join(install.prefix, part), join(directory, part), { recursive: true });
  return { ...install, prefix: directory, bindir: join(directory, "bin"), pgConfig: join(directory, "bin", "pg_config") };
}

/** Where an installation keeps pg_trickle.so. */
export function libraryPath(install: PgInstall): string {
  return join(execFileSync(install.pgConfig, ["--pkglibdir"], { encoding: "utf8" }).trim(), "pg_trickle.so");
}

/** Puts `library` in place as the installation's pg_trickle.so (the server loads it at its next start). */
export function installLibrary(install: PgInstall, library: string): void {
  copyFileSync(library, libraryPath(install));
}
