/**
 * @fileoverview Upgrade scripts, checked without a database: every released version is archived
 * faithfully, a committed upgrade script joins every consecutive pair of versions, the newest one
 * is what the generator makes from the current declaration, and — the proof — installing any
 * released version and applying every upgrade script up to the current version leaves the same
 * objects (src/sql/script-objects.ts, on libpg-query) as installing the current version.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { archivedVersions, compareVersions } from "../../src/sql/archive.ts";
import { catalog } from "../../src/sql/catalog.ts";
import { column, table, type Declaration, type SqlFunction, type Table } from "../../src/sql/declare.ts";
import { renderInstallScript } from "../../src/sql/generate.ts";
import { compareObjects, objectsOf } from "../../src/sql/script-objects.ts";
import { renderUpgradeScript, upgradeScriptPath, upgradeStreamTablesFunction } from "../../src/sql/upgrade.ts";

const projectRoot = resolve(import.meta.dirname, "../..");
const archived = archivedVersions(projectRoot);
const read = (relative: string) => readFileSync(join(projectRoot, relative), "utf8");
const versions = [...archived.map((a) => a.version), catalog.version];

/** The scripts ALTER EXTENSION runs to go from `from` to the current version, as [label, text]. */
function upgradePath(from: string): [string, string][] {
  const start = versions.indexOf(from);
  return versions.slice(start + 1).map((to, i) => {
    const path = upgradeScriptPath(catalog.extension, versions[start + i], to);
    return [path, read(path)];
  });
}

describe("released versions", () => {
  it("include 0.1.0 and 0.2.0, and the current version is newer than all of them", () => {
    expect(archived.map((a) => a.version).slice(0, 2)).toEqual(["0.1.0", "0.2.0"]);
    for (const a of archived) expect(compareVersions(a.version, catalog.version)).toBeLessThan(0);
  });

  it.each(archived.map((a) => [a.version, a]))("%s: the archived install script is its archived declaration rendered", (_, a) => {
    const script = read(a.scriptPath).split("\n");
    expect(script[0]).toMatch(new RegExp(`^-- pg_trickle ${a.version.replaceAll(".", "\\.")} install script, archived`));
    expect(script[0]).toContain(a.commit.slice(0, 7));
    expect(script.slice(2).join("\n")).toBe(renderInstallScript(a.declaration));
    expect(a.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe("upgrade scripts", () => {
  it("exist for every consecutive pair of versions, and for no other pair", () => {
    for (let i = 0; i + 1 < versions.length; i++) {
      expect(existsSync(join(projectRoot, upgradeScriptPath(catalog.extension, versions[i], versions[i + 1]))), `${versions[i]} -> ${versions[i + 1]}`).toBe(true);
    }
  });

  it("newest: what the generator makes from the newest archived declaration and src/sql/catalog.ts", () => {
    const newest = archived[archived.length - 1];
    const path = upgradeScriptPath(catalog.extension, newest.version, catalog.version);
    expect(read(path), `${path} is stale: run npx tsx src/build/build.ts upgrade`).toBe(renderUpgradeScript(newest.declaration, catalog));
  });

  it("end by rebuilding stream tables once the target version has the function for it", () => {
    const last = upgradePath(archived[archived.length - 1].version).at(-1)![1];
    expect(catalog.objects.some((o) => o.kind === "function" && o.name === upgradeStreamTablesFunction)).toBe(true);
    expect(last.trimEnd().split("\n").at(-1)).toBe(`SELECT pgtrickle.${upgradeStreamTablesFunction}();`);
  });

  it.each(archived.map((a) => [a.version]))("%s + every upgrade script = the current install script (libpg-query checker)", async (from) => {
    const fresh = await objectsOf(["install " + catalog.version, renderInstallScript(catalog)]);
    const start = archived.find((a) => a.version === from)!;
    const upgraded = await objectsOf([start.scriptPath, read(start.scriptPath)], ...upgradePath(from));
    expect(compareObjects(fresh, upgraded)).toEqual([]);
    expect(fresh.objects.size).toBeGreaterThan(40);
  });
});

describe("C entry points", () => {
  const signature = (fn: SqlFunction) => `(${fn.parameters.filter((p) => p.mode !== "out" && p.mode !== "table").map((p) => p.type).join(", ")}) -> ${fn.returns}`;
  const cFunctions = (d: Declaration) => d.objects.filter((o): o is SqlFunction => o.kind === "function" && o.body.kind === "c_symbol");
  const symbol = (fn: SqlFunction) => (fn.body as { symbol: string }).symbol;

  it("every symbol an archived version's SQL names keeps that version's signature", () => {
    const current = new Map(cFunctions(catalog).map((fn) => [symbol(fn), signature(fn)]));
    for (const a of archived) {
      for (const fn of cFunctions(a.declaration)) {
        // A changed signature needs a new symbol (e.g. name_v2) while this one keeps serving the old SQL until ALTER EXTENSION UPDATE.
        expect(current.get(symbol(fn)), `${symbol(fn)} as ${a.version} declares it`).toBe(signature(fn));
      }
    }
  });

  it.skipIf(!existsSync(join(projectRoot, "pg_trickle.so")))("are all exported by the built library", () => {
    const exported = new Set(execFileSync("nm", ["-D", "--defined-only", join(projectRoot, "pg_trickle.so")], { encoding: "utf8" })
      .split("\n").map((line) => line.split(" ").pop()));
    for (const d of [...archived.map((a) => a.declaration), catalog]) {
      for (const fn of cFunctions(d)) {
        expect(exported.has(symbol(fn)), `${symbol(fn)} (${d.version})`).toBe(true);
        expect(exported.has(`pg_finfo_${symbol(fn)}`), `pg_finfo_${symbol(fn)} (${d.version})`).toBe(true);
      }
    }
  });
});

describe("the checker", () => {
  const base = renderInstallScript(catalog);
  const lastFunction = catalog.objects.filter((o): o is SqlFunction => o.kind === "function" && o.language !== "c").at(-1)!;

  it("notices an upgrade that forgets a changed function body, volatility or security", async () => {
    for (const change of [
      { body: { kind: "string", text: "BEGIN RETURN; END" } },
      { volatility: lastFunction.volatility === "stable" ? "volatile" : "stable" },
      { security: lastFunction.security === "definer" ? "invoker" : "definer" },
    ] as Partial<SqlFunction>[]) {
      const changed: Declaration = { ...catalog, objects: catalog.objects.map((o) => (o === lastFunction ? { ...o, ...change } as SqlFunction : o)) };
      const problems = compareObjects(await objectsOf(["changed", renderInstallScript(changed)]), await objectsOf(["base", base]));
      expect(problems.join("\n")).toContain(`function pgtrickle.${lastFunction.name}(`);
      // ... and the generator's script for that change closes the gap.
      const fixed = await objectsOf(["base", base], ["upgrade", renderUpgradeScript(catalog, changed)]);
      expect(compareObjects(await objectsOf(["changed", renderInstallScript(changed)]), fixed)).toEqual([]);
    }
  });

  it("notices a missing column, a different default and a missing constraint", async () => {
    const streamTables = catalog.objects.find((o): o is Table => o.kind === "table" && o.name === "pgt_stream_tables")!;
    const widened = table({
      schema: "pgtrickle",
      name: "pgt_stream_tables",
      columns: [...streamTables.columns, column("extra", "integer", { notNull: true, default: "7" })],
      constraints: [],
      comment: "c",
      privileges: [],
    });
    const changed: Declaration = { ...catalog, objects: catalog.objects.map((o) => (o === streamTables ? widened : o)) };
    const problems = compareObjects(await objectsOf(["changed", renderInstallScript(changed)]), await objectsOf(["base", base]));
    expect(problems.some((p) => p.includes("column extra"))).toBe(true);
    expect(problems.some((p) => p.includes("constraint pgt_stream_tables_pkey"))).toBe(true);
    expect(problems.some((p) => p.includes("comment differs"))).toBe(true);
  });

  it("refuses DDL it does not model instead of skipping it", async () => {
    await expect(objectsOf(["odd", "CREATE TYPE pgtrickle.t AS (a int);"])).rejects.toThrow(/does not model CreateStmt|does not model CompositeTypeStmt/);
  });
});
