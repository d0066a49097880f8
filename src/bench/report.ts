/**
 * @fileoverview Summaries of the benchmark: median, minimum and maximum per refresh kind, the
 * ratios FULL/DIFFERENTIAL and MATVIEW/DIFFERENTIAL (above 1 the differential refresh wins), the
 * table printed at the end, and the JSON file with every timing and the machine it ran on.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { formatPercent, refreshKinds, type CaseResult, type RefreshKind } from "./measure.ts";

/** Median, minimum and maximum of a set of timings, in milliseconds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One line of the result table. */
export interface CaseSummary {
  workload: string;
  sourceRows: number;
  changeFraction: number;
  changeRows: number;
  repetitions: number;
  ms: Record<RefreshKind, Spread>;
  fullOverDifferential: number;
  matviewOverDifferential: number;
}

/** The machine and server a run measured. */
export interface Environment {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  /** The commit the extension was built from, with "+changes" when the working tree differed. */
  commit: string;
  postgres: string;
  build: string;
  settings: Record<string, string>;
}

/** Summarizes one case from its client-side timings. */
export function summarize(result: CaseResult): CaseSummary {
  const ms = Object.fromEntries(
    refreshKinds.map((kind) => [kind, spread(result.timings.filter((t) => t.kind === kind).map((t) => t.clientMs))]),
  ) as Record<RefreshKind, Spread>;
  return {
    workload: result.workload,
    sourceRows: result.sourceRows,
    changeFraction: result.changeFraction,
    changeRows: result.changeRows,
    repetitions: result.repetitions,
    ms,
    fullOverDifferential: ms.full.median / ms.differential.median,
    matviewOverDifferential: ms.matview.median / ms.differential.median,
  };
}

/** Median, minimum and maximum of `values`. */
export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** The result table as aligned plain text (one header line, one line per case). */
export function formatTable(summaries: CaseSummary[]): string {
  const header = ["workload", "N", "change", "diff ms", "full ms", "matview ms", "full/diff", "matview/diff"];
  const rows = summaries.map((s) => [
    s.workload,
    s.sourceRows.toLocaleString("en-US"),
    formatPercent(s.changeFraction),
    formatSpread(s.ms.differential),
    formatSpread(s.ms.full),
    formatSpread(s.ms.matview),
    formatRatio(s.fullOverDifferential),
    formatRatio(s.matviewOverDifferential),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The result table as Markdown, for docs/benchmarks.md. */
export function formatMarkdownTable(summaries: CaseSummary[]): string {
  const lines = [
    "| workload | N | change | DIFF ms | FULL ms | MATVIEW ms | FULL/DIFF | MATVIEW/DIFF |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const s of summaries) {
    lines.push(
      `| ${s.workload} | ${s.sourceRows.toLocaleString("en-US")} | ${formatPercent(s.changeFraction)} | ` +
        `${formatSpread(s.ms.differential)} | ${formatSpread(s.ms.full)} | ${formatSpread(s.ms.matview)} | ` +
        `${formatRatio(s.fullOverDifferential)} | ${formatRatio(s.matviewOverDifferential)} |`,
    );
  }
  return lines.join("\n");
}

/** `median (min–max)`, or only the median for a single repetition. */
function formatSpread(s: Spread): string {
  const median = formatMilliseconds(s.median);
  return s.min === s.max ? median : `${median} (${formatMilliseconds(s.min)}–${formatMilliseconds(s.max)})`;
}

function formatMilliseconds(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;
}

/** The machine this process runs on, completed with what the server reports. */
export function describeMachine(postgres: string, build: string, settings: Record<string, string>): Environment {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    commit: describeCommit(),
    postgres,
    build,
    settings,
  };
}

function describeCommit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const changed = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim();
    return changed ? `${head}+changes` : head;
  } catch {
    return "unknown";
  }
}

/** Writes the full results to `<dir>/<prefix>-<timestamp>.json` and returns its path. */
export function writeResults(dir: string, startedAt: Date, content: Record<string, unknown>, prefix = "bench"): string {
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-").replace(/-\d{3}Z$/, "Z");
  const path = join(dir, `${prefix}-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`);
  return path;
}
