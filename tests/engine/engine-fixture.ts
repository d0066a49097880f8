/**
 * @fileoverview What every engine request test starts from: the engine in V8 over the fixture
 * catalog (tests/native/catalog-fixture.ts), builders for the requests the shim sends (parse
 * trees from libpg-query, the JSON the `parseTreeJson` front-end reads), and checks shared by
 * the request tests.
 */
import { existsSync } from "node:fs";
import { loadModule, parseSync } from "libpg-query";
import { buildEngine } from "../../src/build/build.ts";
import { defaultWasmPath, EngineHost } from "../../src/host/engine-host.ts";
import { catalogFixture, type FixtureCatalog } from "../native/catalog-fixture.ts";

await loadModule();

/** Loads build/engine.wasm (building it when missing) answering catalog questions from `catalog`. */
export function loadEngine(catalog: FixtureCatalog = catalogFixture): Promise<EngineHost> {
  if (!existsSync(defaultWasmPath)) buildEngine();
  return EngineHost.load(undefined, catalog);
}

/** libpg-query's parse tree of `sql`, as the request's `parseTreeJson`. */
export function parseTree(sql: string): unknown {
  return parseSync(sql);
}

/** True when PostgreSQL 18's grammar accepts `sql` (generated SQL must at least parse). */
export function parses(sql: string): boolean {
  try {
    parseSync(sql);
    return true;
  } catch {
    return false;
  }
}

/** A `create` request as pgtrickle.create_stream_table sends it (AUTO, 'calculated'), with `overrides`. */
export function createRequest(query: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    op: "create",
    name: "new_st",
    query,
    parseTreeJson: parseTree(query),
    serverVersion: 180000,
    schedule: "calculated",
    refreshMode: "AUTO",
    minScheduleSeconds: 1,
    options: {},
    ...overrides,
  };
}

/** The probe results the shim reports for a refresh. */
export interface Probe { truncates?: number; changes?: number; sourceRows?: number; perSource?: string }

/** A `refresh` request as pgt_refresh sends it: populated, with a frontier, strategy auto, ratio 0.15. */
export function refreshRequest(program: unknown, probe: Probe = {}, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    op: "refresh",
    program,
    populated: true,
    hasFrontier: true,
    // SPI hands the shim text, and the shim passes it on as JSON strings.
    probe: {
      truncates: String(probe.truncates ?? 0),
      changes: String(probe.changes ?? 0),
      sourceRows: String(probe.sourceRows ?? 0),
      ...(probe.perSource === undefined ? {} : { perSource: probe.perSource }),
    },
    refreshMode: "DIFFERENTIAL",
    forceFull: false,
    refreshStrategy: "auto",
    maxChangeRatio: "0.15",
    ...overrides,
  };
}

/** A statement as the engine returns it. */
export interface EngineStatement { sql: string; counting: "none" | "inserted" | "returned" }

/** The refresh program of a successful `create` of `query` on the fixture catalog. */
export async function createdProgram(query: string, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = (await loadEngine()).callJson(createRequest(query, overrides));
  if (!response.ok) throw new Error(`create failed: ${JSON.stringify(response.error)}`);
  return response.result.program;
}

/** SQL literal of `value` (what sqlgen/quote.ts quoteLiteral writes). */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** One stream table as the background worker describes it in a `schedule` request. */
export interface ScheduledStreamTable {
  id: string;
  schedule: string | null;
  refreshMode: string;
  status: string;
  populated: boolean;
  lastRefreshAt: number | string | null;
  upstream: string[];
  /** Oids of the sources that are not stream tables. */
  sources?: string[];
  diamondConsistency?: string;
  diamondSchedulePolicy?: string;
}

/** An ACTIVE, DIFFERENTIAL stream table `id` last refreshed at `lastRefreshAt` (null: never, not populated). */
export function scheduledStreamTable(id: string, schedule: string | null, lastRefreshAt: number | string | null,
  overrides: Partial<ScheduledStreamTable> = {}): ScheduledStreamTable {
  return {
    id, schedule, refreshMode: "DIFFERENTIAL", status: "ACTIVE", populated: lastRefreshAt !== null, lastRefreshAt, upstream: [],
    ...overrides,
  };
}

/** A `schedule` request as the background worker sends it on a tick at `now` (epoch milliseconds). */
export function scheduleRequest(now: number, streamTables: ScheduledStreamTable[], defaultScheduleSeconds = 60): Record<string, unknown> {
  return { op: "schedule", now, defaultScheduleSeconds, streamTables };
}
