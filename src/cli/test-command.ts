/**
 * @fileoverview `pgtrickle test`: the whole test suite in one command.
 *
 *   1. builds the engine (build/engine.wasm, which the unit tests load);
 *   2. provisions the PostgreSQL majors under test (assert builds, cached) so that a first run on a
 *      fresh machine shows its progress here, before vitest starts;
 *   3. runs vitest once over every `*.test.ts` under tests/; its global setup builds and installs the
 *      extension into each PostgreSQL and starts a throwaway cluster per major;
 *   4. prints `N passed, N failed, N skipped` as the very last line, counted from vitest's JSON
 *      report, and fails when anything failed or when no test ran.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../cluster/cluster.ts";
import { ensurePostgres, type PgMajor } from "../cluster/provision.ts";
import { formatElapsed, type Log } from "../cluster/subprocess.ts";

/** The values `--pg` accepts (and PGTRICKLE_TEST_PG receives). */
export const testPgSettings = ["17", "18", "17,18", "none"] as const;

/** Options of {@link runTests}. */
export interface TestOptions {
  /** Majors under test: "17", "18", "17,18" or "none"; default PGTRICKLE_TEST_PG, else "17,18". */
  pg?: string;
  /** vitest file filters (substrings of test file paths). */
  filters: string[];
}

/** The parts of vitest's JSON report (Jest's format) read here. */
interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{ name: string; status: string; message?: string; assertionResults: Array<{ status: string }> }>;
}

/** Counts of one run. */
export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

const log: Log = (line) => process.stderr.write(`[test] ${line}\n`);

/** Whether `value` is a valid `--pg` setting of the test command. */
export function isTestPgSetting(value: string): boolean {
  return (testPgSettings as readonly string[]).includes(value.replace(/\s+/g, ""));
}

/** Runs the suite and returns the exit status: 0 only if tests ran and none failed. */
export async function runTests(options: TestOptions): Promise<number> {
  const pg = (options.pg ?? process.env.PGTRICKLE_TEST_PG ?? "17,18").replace(/\s+/g, "");
  const majors = pg === "none" || pg === "" ? [] : pg.split(",").map((item) => Number(item) as PgMajor);
  const started = Date.now();

  log("building the engine (tsx src/build/build.ts engine)");
  const build = await runNode([tsxCli(), "src/build/build.ts", "engine"], process.env);
  if (build !== 0) {
    log(`building the engine failed (exit ${build})`);
    return finish({ passed: 0, failed: 0, skipped: 0 }, 1);
  }

  try {
    for (const major of majors) {
      log(`PostgreSQL ${major}: provisioning (assert build; cached after the first run)`);
      const install = await ensurePostgres({ major, flavor: "assert", log: (line) => process.stderr.write(`[pg] ${line}\n`) });
      log(`PostgreSQL ${major}: ${install.version} at ${install.prefix}`);
    }
  } catch (error) {
    log(`provisioning PostgreSQL failed: ${error instanceof Error ? error.message : String(error)}`);
    return finish({ passed: 0, failed: 0, skipped: 0 }, 1);
  }

  const reportDir = mkdtempSync(join(tmpdir(), "pgtrickle-test-report-"));
  const reportFile = join(reportDir, "vitest.json");
  try {
    const args = [vitestCli(), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${reportFile}`, ...options.filters];
    log(`running vitest (PGTRICKLE_TEST_PG=${pg || "none"}${options.filters.length ? `, files matching ${options.filters.join(" ")}` : ""})`);
    const status = await runNode(args, { ...process.env, PGTRICKLE_TEST_PG: pg || "none" });
    const counts = readCounts(reportFile);
    if (counts === undefined) {
      log(`vitest (exit ${status}) wrote no report: it failed before running tests; see the output above`);
      return finish({ passed: 0, failed: 0, skipped: 0 }, 1);
    }
    log(`finished in ${formatElapsed(Date.now() - started)}`);
    let exitStatus = status !== 0 || counts.failed > 0 ? 1 : 0;
    if (counts.passed + counts.failed === 0) {
      log("no test ran");
      exitStatus = 1;
    }
    return finish(counts, exitStatus);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** Prints the summary line, alone and last, and passes the exit status through. */
function finish(counts: TestCounts, status: number): number {
  process.stdout.write(`\n${formatCounts(counts)}\n`);
  return status;
}

/** `212 passed, 0 failed, 3 skipped`. */
export function formatCounts({ passed, failed, skipped }: TestCounts): string {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

/**
 * The counts of a vitest JSON report, or undefined if there is none. A test file that failed
 * without a failing test (it did not load, or a hook failed) counts as one failure.
 */
export function readCounts(reportFile: string): TestCounts | undefined {
  if (!existsSync(reportFile)) return undefined;
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as JsonReport;
  const brokenFiles = report.testResults.filter(
    (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

function tsxCli(): string {
  return join(projectRoot, "node_modules", "tsx", "dist", "cli.mjs");
}

function vitestCli(): string {
  return join(projectRoot, "node_modules", "vitest", "vitest.mjs");
}

/** Runs a Node script in the project root with the terminal attached; resolves with its exit status. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: "inherit" });
    // Ctrl-C reaches the child too; wait for it to clean up (vitest stops its clusters) and report.
    const ignore = () => {};
    process.on("SIGINT", ignore);
    child.on("error", (error) => {
      process.off("SIGINT", ignore);
      reject(new Error(`cannot run node ${args[0]}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", ignore);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
