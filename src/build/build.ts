/**
 * @fileoverview Build orchestration, called by the Makefile: `tsx src/build/build.ts <step>`.
 *   engine  errors catalog → AssemblyScript → build/engine.wasm → wasm2c → build/engine/engine.c
 *   sql      the install script sql/pg_trickle--<version>.sql from the catalog declaration
 *   upgrade  the upgrade script from the newest archived version to the current one (see src/sql/upgrade.ts)
 *   release  archives the current version in sql/archive/ (run at release, before bumping the version)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateErrors } from "./gen-errors.ts";
import { generateNodeEnums } from "./gen-node-enums.ts";

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: projectRoot, stdio: "inherit" });
}

/** Compiles the engine to WebAssembly and translates it to C. */
export function buildEngine(): void {
  generateErrors(projectRoot);
  generateNodeEnums(projectRoot);
  mkdirSync(join(projectRoot, "build/engine"), { recursive: true });
  console.log("[build] asc src/engine/index.ts -> build/engine.wasm");
  run(process.execPath, ["node_modules/assemblyscript/bin/asc.js", "src/engine/index.ts", "--config", "asconfig.json", "--target", "release"]);
  console.log("[build] wasm2c build/engine.wasm -> build/engine/engine.c");
  run(process.execPath, ["node_modules/wabt/bin/wasm2c", "build/engine.wasm", "-n", "engine", "-o", "build/engine/engine.c"]);
}

async function main(): Promise<void> {
  const step = process.argv[2] ?? "engine";
  if (step === "engine") buildEngine();
  else if (step === "sql") {
    const { writeInstallScript } = await import("../sql/generate.ts");
    writeInstallScript(projectRoot);
  } else if (step === "upgrade") {
    const { writeUpgradeScripts } = await import("../sql/upgrade.ts");
    writeUpgradeScripts(projectRoot);
  } else if (step === "release") {
    const { archiveRelease } = await import("../sql/archive.ts");
    archiveRelease(projectRoot);
  } else throw new Error(`unknown build step ${step}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
