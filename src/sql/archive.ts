/**
 * @fileoverview Released versions: what `sql/archive/` keeps of each, and the release step.
 *
 * When a version is released (`npx tsx src/build/build.ts release`, before the version number is
 * bumped), two files are written and never edited afterwards:
 *   sql/archive/pg_trickle--X.Y.Z.sql    its install script, as `CREATE EXTENSION ... VERSION` runs it
 *   sql/archive/pg_trickle--X.Y.Z.json   its declaration and the commit it was released from
 * Upgrade scripts are generated from two declarations (upgrade.ts); the commit lets the live
 * upgrade test build that version's library.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { catalog } from "./catalog.ts";
import type { Declaration } from "./declare.ts";
import { renderInstallScript } from "./generate.ts";

/** One released version as archived. */
export interface ArchivedVersion {
  readonly version: string;
  /** The commit the version was released from (its library is built from there). */
  readonly commit: string;
  readonly declaration: Declaration;
  /** The archived install script, relative to the project root. */
  readonly scriptPath: string;
}

const archiveDirectory = join("sql", "archive");

/** Orders "X.Y.Z" version strings numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Every archived version, oldest first. */
export function archivedVersions(projectRoot: string, extension = catalog.extension): ArchivedVersion[] {
  const directory = join(projectRoot, archiveDirectory);
  const pattern = new RegExp(`^${extension}--(\\d+\\.\\d+\\.\\d+)\\.json$`);
  return readdirSync(directory)
    .map((file) => pattern.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => {
      const record = JSON.parse(readFileSync(join(directory, match[0]), "utf8")) as { commit: string; declaration: Declaration };
      if (record.declaration.version !== match[1]) throw new Error(`${match[0]} declares version ${record.declaration.version}`);
      return {
        version: match[1],
        commit: record.commit,
        declaration: record.declaration,
        scriptPath: join(archiveDirectory, `${extension}--${match[1]}.sql`),
      };
    })
    .sort((a, b) => compareVersions(a.version, b.version));
}

/** The lines an archived install script starts with, before the generated script itself. */
export function archiveHeader(version: string, commit: string): string {
  return (
    `-- ${catalog.extension} ${version} install script, archived at its release (generated from commit ${commit.slice(0, 7)}).\n` +
    "-- Never edit by hand: upgrade scripts are generated from the difference between versions.\n"
  );
}

/**
 * Archives the current declaration as a released version: its install script and its
 * declaration with the commit HEAD. Refuses when the version is archived already or the work
 * tree has uncommitted changes (the commit must be what was released).
 */
export function archiveRelease(projectRoot: string): ArchivedVersion {
  const { version, extension } = catalog;
  const json = join(projectRoot, archiveDirectory, `${extension}--${version}.json`);
  if (existsSync(json)) throw new Error(`version ${version} is archived already; bump the version before changing the catalog`);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: projectRoot, encoding: "utf8" }).trim();
  if (git("status", "--porcelain", "--untracked-files=no") !== "") throw new Error("commit your changes before archiving a release");
  const commit = git("rev-parse", "HEAD");
  const scriptPath = join(archiveDirectory, `${extension}--${version}.sql`);
  writeFileSync(join(projectRoot, scriptPath), archiveHeader(version, commit) + renderInstallScript(catalog));
  writeFileSync(json, JSON.stringify({ commit, declaration: catalog }, null, 1) + "\n");
  console.log(`[release] archived ${extension} ${version} (commit ${commit.slice(0, 7)}) in ${archiveDirectory}/`);
  return { version, commit, declaration: catalog, scriptPath };
}
