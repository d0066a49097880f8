/**
 * @fileoverview A lock file shared between processes on one machine, so two invocations never
 * build the same thing at once: the second waits for the first. A lock whose holder has died is
 * taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { formatElapsed, type Log } from "./subprocess.ts";

const pollMilliseconds = 1000;
const reportEveryMilliseconds = 30_000;

/** Runs `work` while holding the lock at `lockFile`, waiting for another holder to finish first. */
export async function withFileLock<T>(lockFile: string, what: string, log: Log, work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockFile), { recursive: true });
  const started = Date.now();
  let lastReport = 0;
  while (!tryAcquire(lockFile)) {
    const holder = readHolder(lockFile);
    if (holder !== undefined && !isAlive(holder)) {
      log(`taking over the stale lock of process ${holder} for ${what}`);
      removeQuietly(lockFile);
      continue;
    }
    if (Date.now() - lastReport >= reportEveryMilliseconds) {
      log(`waiting for process ${holder ?? "?"} to finish ${what} (${formatElapsed(Date.now() - started)})`);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, pollMilliseconds));
  }
  try {
    return await work();
  } finally {
    removeQuietly(lockFile);
  }
}

function tryAcquire(lockFile: string): boolean {
  try {
    writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function readHolder(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
