#!/usr/bin/env node
// Launches the TypeScript command line (src/cli/main.ts) through tsx's loader, so that
// `npx pgtrickle ...` works from a checkout without a compile step.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
// Resolved from this file, not from the caller's working directory.
const tsxLoader = import.meta.resolve("tsx");
const child = spawn(process.execPath, ["--import", tsxLoader, main, ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: process.cwd(),
});
// The terminal delivers Ctrl-C to the child too; let it decide (psql cancels the query).
for (const signal of ["SIGINT", "SIGQUIT"]) process.on(signal, () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("close", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
