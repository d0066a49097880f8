#!/usr/bin/env node
// Launches the TypeScript command line (src/cli/main.ts) through tsx's loader, so that
// `npx pgtrickle ...` works from a checkout without a compile step. On a fresh clone there is no
// node_modules yet: then this installs the locked dependencies first (`npm ci`), once.
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));

/** tsx's loader, resolved from this file (not from the caller's working directory); undefined if absent. */
function resolveTsx() {
  try {
    return import.meta.resolve("tsx");
  } catch {
    return undefined;
  }
}

let tsxLoader = resolveTsx();
if (tsxLoader === undefined) {
  // Everything goes to standard error: standard output carries results (the URI of `dev start`).
  process.stderr.write(`pgtrickle: dependencies are not installed; running npm ci --no-audit --no-fund in ${projectRoot}\n`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const install = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: projectRoot, stdio: ["ignore", 2, 2] });
  if (install.error || install.status !== 0) {
    process.stderr.write(`pgtrickle: npm ci failed${install.error ? `: ${install.error.message}` : ` (exit ${install.status})`}\n`);
    process.exit(1);
  }
  tsxLoader = resolveTsx();
  if (tsxLoader === undefined) {
    process.stderr.write("pgtrickle: tsx is still not resolvable after npm ci\n");
    process.exit(1);
  }
}

const child = spawn(process.execPath, ["--import", tsxLoader, main, ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: process.cwd(),
});
// The terminal delivers Ctrl-C to the child too; let it decide (psql cancels the query).
for (const signal of ["SIGINT", "SIGQUIT"]) process.on(signal, () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("close", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
