/**
 * @fileoverview The engine answers alike whichever host runs it: V8 (src/host/engine-host.ts) and
 * the native code pg_trickle.so links (wasm2c output + native/wasm-rt, here in the Node addon
 * built by src/build/build-addon.ts). Also: failures of the native host (traps, refused memory,
 * failing callbacks, re-entry) surface as errors and leave the next call working, and the C
 * host's frame-size bound covers every engine function.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAddon } from "../../src/build/build-addon.ts";
import { buildEngine } from "../../src/build/build.ts";
import { EngineHost } from "../../src/host/engine-host.ts";
import { createdProgram, createRequest, refreshRequest, scheduledStreamTable as st, scheduleRequest } from "../engine/engine-fixture.ts";
import { catalogFixture, echoCatalogRequest } from "./catalog-fixture.ts";

const projectRoot = resolve(import.meta.dirname, "../..");

interface NativeOptions { maxMemoryBytes?: number; maxCallDepth?: number; log?: (level: number, message: string) => void }
interface NativeAddon { call(request: string, catalog?: ((request: string) => string | null) | null, options?: NativeOptions): string }

/** The fixture catalog as the addon's callback (it receives the request's JSON text). */
const nativeCatalog = (request: string): string | null => catalogFixture(JSON.parse(request));

const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);

/** A `create` request for `query` on the fixture catalog, as JSON text. */
const creating = (query: string, overrides: Record<string, unknown> = {}): string => JSON.stringify(createRequest(query, overrides));
/** `SELECT (((customer+1)+1)...+1) AS c FROM orders`: `depth` nested additions. */
const nestedQuery = (depth: number): string => `SELECT ${"(".repeat(depth)}customer${"+1)".repeat(depth)} AS c FROM orders`;
/** Programs real `create`s produce (in V8), for refresh decisions. */
const keyedProgram = await createdProgram("SELECT id, amount FROM orders WHERE amount > 10");
const limitProgram = await createdProgram("SELECT id FROM orders ORDER BY amount DESC LIMIT 10");
const refreshing = (program: unknown, probe: object, overrides: Record<string, unknown> = {}): string =>
  JSON.stringify(refreshRequest(program, probe, overrides));
/** A tick with every kind of schedule: due and not, calculated through a diamond, skipped, cyclic, invalid. */
const tick = Date.parse("2024-02-28T23:59:58.250Z");
const scheduling = JSON.stringify(scheduleRequest(tick, [
  st("1", null, tick - 50_000), st("2", null, tick, { upstream: ["1"] }), st("3", "*/2 * * * * *", tick - 5_000, { upstream: ["1"] }),
  st("4", "1h30m", tick - 5_400_000, { upstream: ["2", "3"] }), st("5", "0 0 29 2 *", tick - 1, { upstream: ["4"] }),
  st("6", "0 0 30 2 mon", tick), st("7", "5s", tick, { status: "SUSPENDED" }), st("8", "5s", null, { refreshMode: "IMMEDIATE" }),
  st("9", "5s", null, { upstream: ["10"] }), st("10", "5s", null, { upstream: ["9"] }), st("11", "61 * * * *", null), st("x", "5s", null),
]));
/** A cron expression that never fires: a full 400-year search. */
const neverFiring = JSON.stringify(scheduleRequest(tick, [st("1", "0 0 31 2,4,6,9,11 */7", tick - 1)]));

/** Requests both hosts must answer byte for byte alike. Add real engine operations here. */
const HOST_AGREEMENT_REQUESTS: { name: string; request: string }[] = [
  { name: "echo", request: JSON.stringify({ op: "echo", text: "hello" }) },
  { name: "echo of the empty string", request: JSON.stringify({ op: "echo", text: "" }) },
  { name: "echo of non-ASCII text", request: JSON.stringify({ op: "echo", text: "héllo wörld ✓ 日本語 𝄞 😀 ñ" }) },
  { name: "echo of escapes", request: JSON.stringify({ op: "echo", text: "quote \" backslash \\ slash / \n\r\t\b\f \u0001\u001f \u2028" }) },
  { name: "echo of escaped non-ASCII", request: '{"op":"echo","text":"\\u00e9\\u2713\\ud834\\udd1e"}' },
  { name: "echo of a lone surrogate", request: '{"op":"echo","text":"a\\ud800b"}' },
  { name: "echo of a long string", request: JSON.stringify({ op: "echo", text: "abc✓".repeat(250_000) }) },
  { name: "catalog answer", request: JSON.stringify({ op: "echo", text: "q", query: echoCatalogRequest("answer ✓ 'quoted'") }) },
  { name: "catalog answer that is empty", request: JSON.stringify({ op: "echo", text: "q", query: echoCatalogRequest("") }) },
  { name: "catalog answer NULL", request: JSON.stringify({ op: "echo", text: "q", query: echoCatalogRequest() }) },
  { name: "catalog query with no row", request: JSON.stringify({ op: "echo", query: JSON.stringify({ kind: "none", sql: "SELECT 1 WHERE false" }) }) },
  { name: "long catalog answer", request: JSON.stringify({ op: "echo", query: echoCatalogRequest("x".repeat(300_000)) }) },
  { name: "unknown operation", request: JSON.stringify({ op: "no-such-op" }) },
  { name: "malformed JSON", request: '{"op":"echo",' },
  { name: "empty request", request: "" },
  { name: "array instead of object", request: "[1, 2, 3]" },
  { name: "nesting at the engine's limit", request: nested(2001) },
  { name: "nesting over the engine's limit", request: nested(2002) },
  { name: "create: keyed projection", request: creating("SELECT id, amount FROM orders WHERE amount > 10") },
  { name: "create: keyless projection", request: creating("SELECT kind, n FROM events WHERE n > 0") },
  { name: "create: GROUP BY", request: creating("SELECT customer, count(*) AS n, count(note) AS c, sum(amount) AS s FROM orders GROUP BY customer") },
  { name: "create: aggregate without GROUP BY", request: creating("SELECT count(*) AS n, sum(amount) AS total FROM orders") },
  { name: "create: DISTINCT", request: creating("SELECT DISTINCT customer, lower(note) AS l FROM orders") },
  { name: "create: expressions", request: creating("SELECT id, CASE WHEN amount > 1 THEN 'x' END AS c, amount::int AS i, coalesce(note, '') AS n FROM orders WHERE customer IN (1, 2) AND amount BETWEEN 1 AND 2 AND note IS DISTINCT FROM 'a' AND note LIKE 'b%'") },
  { name: "create: non-ASCII names and text", request: creating("SELECT id, 'héllo ✓ 😀' AS \"grüße ✓\" FROM orders", { name: '"Ünïcode ✓"' }) },
  { name: "create: PostgreSQL 16 plan", request: creating("SELECT id FROM orders", { serverVersion: 160004 }) },
  { name: "create: AUTO falls back to FULL", request: creating("SELECT id FROM orders ORDER BY id LIMIT 3") },
  { name: "create: outer join over a view", request: creating("SELECT v.id, e.kind FROM v LEFT JOIN events e ON e.n = v.id") },
  { name: "create: grouping sets, HAVING and rescanned aggregates", request: creating("SELECT customer, note, avg(amount) AS a, min(amount) AS m, string_agg(note, ',' ORDER BY note) AS s FROM orders GROUP BY ROLLUP (customer, note) HAVING count(*) > 1") },
  { name: "create: IMMEDIATE WITH RECURSIVE, its recursion bounded (cteColumns)", request: creating("WITH RECURSIVE \"wälk ✓\" (n) AS (SELECT id FROM orders WHERE id = 1 /* ✓ ( */ UNION ALL SELECT o.id FROM orders o JOIN \"wälk ✓\" w ON o.customer = w.n) SELECT n FROM \"wälk ✓\"", { refreshMode: "IMMEDIATE" }) },
  { name: "create: FULL of a view", request: creating("SELECT * FROM v", { refreshMode: "FULL", schedule: "*/5 * * * *" }) },
  { name: "create: DIFFERENTIAL refused after multi-byte text", request: creating("SELECT 'é✓😀' AS t, random() AS r FROM orders", { refreshMode: "DIFFERENTIAL" }) },
  { name: "create: unknown column", request: creating("SELECT id, nope FROM orders") },
  { name: "create: unknown table", request: creating("SELECT id FROM nope") },
  { name: "create: existing name", request: creating("SELECT id FROM orders", { name: "orders" }) },
  { name: "create: two statements", request: creating("SELECT 1; SELECT 2") },
  { name: "create: invalid schedule", request: creating("SELECT id FROM orders", { schedule: "500ms" }) },
  { name: "create: 400 levels of expression (the bound)", request: creating(nestedQuery(400)) },
  { name: "create: 450 levels of expression", request: creating(nestedQuery(450), { refreshMode: "DIFFERENTIAL" }) },
  { name: "create: a parse tree too deep to read", request: creating(nestedQuery(1000)) },
  { name: "refresh: not populated", request: refreshing(keyedProgram, { changes: 3 }, { populated: false }) },
  { name: "refresh: no changes", request: refreshing(keyedProgram, { changes: 0, sourceRows: 100 }) },
  { name: "refresh: differential", request: refreshing(keyedProgram, { changes: 5, sourceRows: 100 }) },
  { name: "refresh: differential with costs asked and terms pruned", request: refreshing(keyedProgram, { changes: 5, sourceRows: 100, perSource: "16384:5" }, { pgtId: 7 }) },
  { name: "refresh: AUTO keeps DIFFERENTIAL, predicted cheaper", request: refreshing(keyedProgram, { changes: 500, sourceRows: 100000 }, { pgtId: 8 }) },
  { name: "refresh: AUTO predicts FULL cheaper", request: refreshing(keyedProgram, { changes: 3000, sourceRows: 100000 }, { pgtId: 8 }) },
  { name: "refresh: AUTO tries DIFFERENTIAL again", request: refreshing(keyedProgram, { changes: 500, sourceRows: 100000 }, { pgtId: 9 }) },
  { name: "refresh: truncated source", request: refreshing(keyedProgram, { truncates: 1, changes: 5, sourceRows: 100 }) },
  { name: "refresh: over the change ratio", request: refreshing(keyedProgram, { changes: 50, sourceRows: 100 }) },
  { name: "refresh: forced FULL", request: refreshing(keyedProgram, { changes: 5, sourceRows: 100 }, { forceFull: true }) },
  { name: "refresh: not differentiable", request: refreshing(limitProgram, { changes: 5, sourceRows: 100 }) },
  { name: "alter: schedule, mode and status", request: JSON.stringify({ op: "alter", name: "st", options: { schedule: "5m", refresh_mode: "AUTO", status: "ACTIVE" }, minScheduleSeconds: 1 }) },
  { name: "alter: AUTO on a FULL stream table", request: JSON.stringify({ op: "alter", name: "st_top", options: { refresh_mode: "AUTO" }, minScheduleSeconds: 1 }) },
  { name: "alter: unknown stream table", request: JSON.stringify({ op: "alter", name: "nope", options: { status: "ACTIVE" }, minScheduleSeconds: 1 }) },
  { name: "drop", request: JSON.stringify({ op: "drop", name: "public.st", cascade: false }) },
  { name: "schedule: a tick over every kind of schedule", request: scheduling },
  { name: "schedule: a cron expression that never fires", request: neverFiring },
  { name: "schedule: without now", request: JSON.stringify({ op: "schedule", defaultScheduleSeconds: 60, streamTables: [] }) },
];

let v8Host: EngineHost;
let native: NativeAddon;

beforeAll(async () => {
  if (!existsSync(join(projectRoot, "build/engine.wasm")) || !existsSync(join(projectRoot, "build/engine/engine.c"))) {
    buildEngine();
  }
  native = createRequire(import.meta.url)(await buildAddon(projectRoot)) as NativeAddon;
  v8Host = await EngineHost.load(undefined, catalogFixture);
}, 120_000);

describe("the V8 host and the native host", () => {
  it.each(HOST_AGREEMENT_REQUESTS)("agree on $name", ({ request }) => {
    const fromV8 = v8Host.call(request);
    const fromNative = native.call(request, nativeCatalog);
    expect(Buffer.from(fromNative, "utf8").equals(Buffer.from(fromV8, "utf8"))).toBe(true);
    expect(() => JSON.parse(fromNative)).not.toThrow();
  });

  it("return the catalog's answer", () => {
    const request = JSON.stringify({ op: "echo", text: "q", query: echoCatalogRequest("forty-two") });
    expect(JSON.parse(native.call(request, nativeCatalog))).toEqual({ ok: true, result: { text: "q", answer: "forty-two" } });
  });
});

describe("the native host", () => {
  const echo = JSON.stringify({ op: "echo", text: "still working" });
  const expectWorking = () => expect(JSON.parse(native.call(echo)).result.text).toBe("still working");

  it("turns a trap into an Error with the trap kind, then works again", () => {
    expect(() => native.call(nested(100), null, { maxCallDepth: 50 })).toThrow(/pg_trickle engine fault: call stack exhausted/);
    try {
      native.call(nested(100), null, { maxCallDepth: 50 });
    } catch (e) {
      expect((e as { kind?: string }).kind).toBe("trap");
    }
    expectWorking();
  });

  it("reports a refused memory grow as out of memory, then works again", () => {
    const big = JSON.stringify({ op: "echo", text: "x".repeat(3 * 1024 * 1024) });
    expect(() => native.call(big, null, { maxMemoryBytes: 1024 * 1024 })).toThrow(/ran out of memory/);
    expect(JSON.parse(native.call(big)).result.text.length).toBe(3 * 1024 * 1024);
    expectWorking();
  });

  it("rethrows a failing catalog callback's error, then works again", () => {
    const request = JSON.stringify({ op: "echo", query: echoCatalogRequest("a") });
    expect(() => native.call(request, () => { throw new Error("catalog is down"); })).toThrow("catalog is down");
    expect(() => native.call(request, (() => 42) as unknown as () => string)).toThrow(/must return a string or null/);
    expectWorking();
  });

  it("refuses a call made from inside a catalog callback", () => {
    const request = JSON.stringify({ op: "echo", query: echoCatalogRequest("a") });
    expect(() => native.call(request, () => native.call(echo))).toThrow(/called recursively/);
    expectWorking();
  });
});

describe("the V8 host", () => {
  it("rethrows a failing catalog callback's error, then works again", async () => {
    const failing = await EngineHost.load(undefined, () => { throw new Error("catalog is down"); });
    expect(() => failing.call({ op: "echo", query: echoCatalogRequest("a") })).toThrow("catalog is down");
    expect(failing.callJson({ op: "echo", text: "ok" })).toEqual({ ok: true, result: { text: "ok" } });
  });
});

describe("the C host's stack bound", () => {
  it("covers every engine function's frame (gcc -fstack-usage)", () => {
    const bound = Number(/#define ENGINE_FRAME_BYTES (\d+)/.exec(readFileSync(join(projectRoot, "native/engine_host.c"), "utf8"))![1]);
    const frames = readFileSync(join(projectRoot, "native/addon/build/engine.su"), "utf8").trim().split("\n")
      .map((line) => { const [where, bytes, kind] = line.split("\t"); return { where, bytes: Number(bytes), kind }; });
    expect(frames.length).toBeGreaterThan(0);
    // "dynamic,bounded" (gcc knows the bound, e.g. stack realignment) is fine; "dynamic" alone is not.
    expect(frames.filter((f) => f.kind !== "static" && f.kind !== "dynamic,bounded")).toEqual([]);
    expect(frames.filter((f) => f.bytes > bound)).toEqual([]);
  });
});
