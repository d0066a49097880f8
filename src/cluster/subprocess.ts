/**
 * @fileoverview Running external programs for provisioning and cluster management: capture or
 * log their output, and on failure raise an error that carries the tail of what they printed.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

/** A progress sink: one human-readable line per call. */
export type Log = (line: string) => void;

/** The default progress sink: standard error, so standard output stays machine-readable. */
export const logToStderr: Log = (line) => process.stderr.write(`${line}\n`);

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr to this file instead of keeping them in memory. */
  logFile?: string;
  /** Text written to the program's standard input. */
  input?: string;
  /** Resolve instead of rejecting when the program exits with a non-zero status. */
  allowFailure?: boolean;
}

/** What a finished program left behind. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A program that exited unsuccessfully; the message ends with the tail of its output. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly output: string,
    readonly logFile?: string,
  ) {
    const where = logFile ? `\nfull log: ${logFile}` : "";
    super(`command failed (exit ${code}): ${command}\n${lastLines(output, 40)}${where}`);
    this.name = "CommandError";
  }
}

/** Runs a program to completion; with `logFile`, its output goes to that file only. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const display = [command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const log = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
    log?.write(`\n$ ${display}\n`);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (log ? log.write(chunk) : (stdout += chunk)));
    child.stderr!.on("data", (chunk: Buffer) => (log ? log.write(chunk) : (stderr += chunk)));
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on("error", (error) => {
      log?.end();
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      const status = code ?? (signal ? 128 : 1);
      const finish = () => {
        if (status === 0 || options.allowFailure) return resolve({ code: status, stdout, stderr });
        const output = options.logFile ? readTail(options.logFile, 40) : `${stdout}${stderr}`;
        reject(new CommandError(display, status, output, options.logFile));
      };
      if (log) log.end(finish);
      else finish();
    });
  });
}

/** Runs a program with the terminal attached and resolves with its exit status. */
export function runInteractive(command: string, args: readonly string[], options: { cwd?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: "inherit" });
    // The terminal sends Ctrl-C to the whole process group; the child decides what it means.
    const ignore = () => {};
    process.on("SIGINT", ignore);
    child.on("error", (error) => {
      process.off("SIGINT", ignore);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", ignore);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** Finds a program on PATH, or returns undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Whether this process runs as the superuser. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The last `count` lines of a text file, or an empty string if it cannot be read. */
export function readTail(file: string, count: number): string {
  try {
    return lastLines(readFileSync(file, "utf8"), count);
  } catch {
    return "";
  }
}

/** The last `count` lines of a text. */
export function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}

/** Formats a duration in milliseconds as e.g. `2m05s`. */
export function formatElapsed(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}
