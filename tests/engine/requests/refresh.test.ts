/**
 * @fileoverview `refresh` (src/engine/requests/refresh.ts): the pure decision between NO_DATA,
 * DIFFERENTIAL and FULL from the stored program and the probe's counts, and the statements it
 * hands back — always the program's own, unchanged, plus the bookkeeping statement.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import { createdProgram, loadEngine, parses, type Probe, refreshRequest } from "../engine-fixture.ts";
import { createCatalog } from "../../native/catalog-fixture.ts";

let engine: EngineHost;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let differentiable: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let notDifferentiable: any;

beforeAll(async () => {
  engine = await loadEngine();
  differentiable = await createdProgram("SELECT customer, sum(amount) AS total FROM orders GROUP BY customer");
  notDifferentiable = await createdProgram("SELECT id FROM orders LIMIT 10");
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function decide(program: unknown, probe: Probe = {}, overrides: Record<string, unknown> = {}): any {
  const response = engine.callJson(refreshRequest(program, probe, overrides));
  if (!response.ok) throw new Error(`refresh failed: ${JSON.stringify(response.error)}`);
  return response.result;
}

/** The part of a decision that says what happens; statements are checked separately. */
const verdict = (d: { action: string; reason: string; wasFullFallback: boolean; deltaRows: number }) =>
  ({ action: d.action, reason: d.reason, wasFullFallback: d.wasFullFallback, deltaRows: d.deltaRows });

describe("AUTO's cost model (refresh/cost-model.ts)", () => {
  type Costs = { fulls?: number[]; differentials?: [number, number][]; fullsSinceDifferential?: number; fullMsSinceDifferential?: number };
  /** The decision for `changes` pending changes of 100,000 source rows after the refreshes `costs` (newest first). */
  async function auto(costs: Costs, changes: number) {
    const on = await loadEngine(createCatalog({ refreshCosts: { 7: costs } }));
    const d = on.callJson(refreshRequest(differentiable, { changes, sourceRows: 100000 }, { pgtId: 7 })).result;
    return { ...verdict(d), statements: d.statements };
  }
  const below = (changes: number) => `${changes} pending changes, at most pg_trickle.differential_max_change_ratio of 100000 source rows`;
  const predicted = (differential: string, full: string) =>
    `a DIFFERENTIAL refresh of them is predicted to take ${differential}, a FULL one ${full} (from the last refreshes)`;
  const slower = (changes: number, differential: string, full: string) =>
    `${changes} pending changes: a DIFFERENTIAL refresh of them is predicted to take ${differential}, more than 10% over a FULL one's ${full} (from the last refreshes)`;

  it("stays DIFFERENTIAL until both kinds of refresh were measured", async () => {
    expect(await auto({ fulls: [100] }, 60)).toMatchObject({ action: "DIFFERENTIAL", wasFullFallback: false,
      reason: `${below(60)}; no earlier DIFFERENTIAL refresh to predict its cost from` });
    expect(await auto({ differentials: [[60, 500]] }, 60)).toMatchObject({ action: "DIFFERENTIAL",
      reason: `${below(60)}; no earlier FULL refresh to compare with` });
  });

  it("predicts from one DIFFERENTIAL refresh: time per change scaled up for more changes, never below the measured time for fewer", async () => {
    // 100 changes took 20 ms; FULL takes 100 ms. 400 changes: at most 80 ms.
    const one: Costs = { fulls: [100], differentials: [[100, 20]] };
    expect(await auto(one, 400)).toMatchObject({ action: "DIFFERENTIAL", reason: `${below(400)}; ${predicted("80 ms", "100 ms")}` });
    expect(await auto(one, 20)).toMatchObject({ action: "DIFFERENTIAL", reason: `${below(20)}; ${predicted("20 ms", "100 ms")}` });
    const d = await auto(one, 800);
    expect(d).toMatchObject({ action: "FULL", wasFullFallback: true, deltaRows: 800, reason: slower(800, "160 ms", "100 ms") });
    expect(d.statements).toEqual(differentiable.full);
  });

  it("goes FULL only when DIFFERENTIAL is predicted more than 10% slower", async () => {
    // 1100 and 1210 changes are of one size band (1024 to 2047).
    const one: Costs = { fulls: [100], differentials: [[1100, 100]] };
    expect((await auto(one, 1210)).action).toBe("DIFFERENTIAL"); // 110 ms
    expect(await auto(one, 1211)).toMatchObject({ action: "FULL", reason: slower(1211, "110.1 ms", "100 ms") });
  });

  it("measures a size band above every refresh measured when the prediction is at most half again FULL's", async () => {
    // 100 changes took 20 ms: 600 (another band) are predicted 120 ms, 750 150 ms, 751 150.2 ms; FULL takes 100 ms.
    const one: Costs = { fulls: [100], differentials: [[100, 20]] };
    const measure = (changes: number, ms: string) => ({ action: "DIFFERENTIAL",
      reason: `${below(changes)}; DIFFERENTIAL to measure it on more changes than the 100 of the largest DIFFERENTIAL refresh measured; ${predicted(ms, "100 ms")}` });
    expect(await auto(one, 600)).toMatchObject(measure(600, "120 ms"));
    expect(await auto(one, 750)).toMatchObject(measure(750, "150 ms"));
    expect(await auto(one, 751)).toMatchObject({ action: "FULL", reason: slower(751, "150.2 ms", "100 ms") });
    // Within the band of a sample that was slower, FULL.
    expect(await auto({ fulls: [100], differentials: [[100, 20], [600, 130]] }, 600)).toMatchObject({ action: "FULL", reason: slower(600, "120 ms", "100 ms") });
  });

  it("takes the median of refreshes of one size, so a cold first refresh does not decide", async () => {
    // The oldest DIFFERENTIAL refresh (last in the list) ran cold; the FULL ones had one outlier.
    const costs: Costs = { fulls: [100, 95, 4000], differentials: [[100, 21], [110, 19], [105, 20], [100, 900]] };
    expect(await auto(costs, 100)).toMatchObject({ action: "DIFFERENTIAL", reason: `${below(100)}; ${predicted("20.5 ms", "100 ms")}` });
    // The same refreshes of another size: every one of them is slow.
    expect(await auto({ ...costs, differentials: [[100, 210], [110, 190], [105, 200], [100, 30]] }, 100))
      .toMatchObject({ action: "FULL", reason: slower(100, "195 ms", "100 ms") });
  });

  it("predicts from the size that bounds it best", async () => {
    // Small refreshes scaled up to 1000 changes predict 300 ms; one of 1000 changes took 90 ms.
    const mixed: Costs = { fulls: [100], differentials: [[100, 30], [100, 30], [100, 30], [1000, 90]] };
    expect(await auto(mixed, 1000)).toMatchObject({ action: "DIFFERENTIAL", reason: `${below(1000)}; ${predicted("90 ms", "100 ms")}` });
    expect(await auto(mixed, 100)).toMatchObject({ action: "DIFFERENTIAL", reason: `${below(100)}; ${predicted("30 ms", "100 ms")}` });
    expect(await auto(mixed, 2000)).toMatchObject({ action: "FULL", reason: slower(2000, "180 ms", "100 ms") });
  });

  it("tries DIFFERENTIAL again once the FULL refreshes since the last one took ten times what the try is predicted to cost more", async () => {
    // DIFFERENTIAL is predicted 300 ms, FULL 100 ms: a try costs 200 ms more, so 2000 ms of FULL refreshes pay for it.
    const stale: Costs = { fulls: [100], differentials: [[500, 300]], fullsSinceDifferential: 19, fullMsSinceDifferential: 1900 };
    expect(await auto(stale, 500)).toMatchObject({ action: "FULL", reason: slower(500, "300 ms", "100 ms") });
    expect(await auto({ ...stale, fullsSinceDifferential: 20, fullMsSinceDifferential: 2000 }, 500)).toMatchObject({
      action: "DIFFERENTIAL", wasFullFallback: false,
      reason: `${below(500)}; DIFFERENTIAL to measure it anew after 20 FULL refreshes (2000 ms in all) since the last DIFFERENTIAL one; `
        + predicted("300 ms", "100 ms"),
    });
    // Predicted barely over the margin: one FULL refresh pays for the try.
    expect(await auto({ fulls: [100], differentials: [[500, 115]], fullsSinceDifferential: 1, fullMsSinceDifferential: 150 }, 500))
      .toMatchObject({ action: "DIFFERENTIAL", reason: `${below(500)}; DIFFERENTIAL to measure it anew after 1 FULL refresh (150 ms in all) since the last DIFFERENTIAL one; `
        + predicted("115 ms", "100 ms") });
  });

  it("charges a try on more changes than measured as if its cost grew with their square", async () => {
    // 100 changes took 30 ms; 600 are predicted 180 ms (linear), but a try may cost 30·6² = 1080 ms: 9800 ms of FULL pay for it.
    const small: Costs = { fulls: [100], differentials: [[100, 30]], fullsSinceDifferential: 97, fullMsSinceDifferential: 9700 };
    expect(await auto(small, 600)).toMatchObject({ action: "FULL", reason: slower(600, "180 ms", "100 ms") });
    expect(await auto({ ...small, fullsSinceDifferential: 98, fullMsSinceDifferential: 9800 }, 600)).toMatchObject({ action: "DIFFERENTIAL",
      reason: `${below(600)}; DIFFERENTIAL to measure it anew after 98 FULL refreshes (9800 ms in all) since the last DIFFERENTIAL one; `
        + predicted("180 ms", "100 ms") });
  });

  it("tries DIFFERENTIAL again on an eighth or less of the changes of every refresh measured", async () => {
    const large: Costs = { fulls: [100], differentials: [[800, 300], [1000, 300]], fullsSinceDifferential: 1, fullMsSinceDifferential: 100 };
    expect(await auto(large, 101)).toMatchObject({ action: "FULL", reason: slower(101, "300 ms", "100 ms") });
    expect(await auto(large, 100)).toMatchObject({ action: "DIFFERENTIAL",
      reason: `${below(100)}; DIFFERENTIAL to measure it on fewer changes, at most an eighth of the 800 of the smallest DIFFERENTIAL refresh measured; `
        + predicted("300 ms", "100 ms") });
  });

  it("is not asked with refresh_strategy differential, nor above the change ratio", async () => {
    const slow: Costs = { fulls: [1], differentials: [[10, 1000]] };
    const on = await loadEngine(createCatalog({ refreshCosts: { 7: slow } }));
    expect(on.callJson(refreshRequest(differentiable, { changes: 10, sourceRows: 100000 }, { pgtId: 7, refreshStrategy: "differential" })).result.action)
      .toBe("DIFFERENTIAL");
    expect(on.callJson(refreshRequest(differentiable, { changes: 20000, sourceRows: 100000 }, { pgtId: 7 })).result.reason)
      .toBe("20000 pending changes exceed pg_trickle.differential_max_change_ratio of 100000 source rows");
  });
});

describe("before ALTER EXTENSION ... UPDATE", () => {
  it("writes history rows without the columns the installed SQL lacks", () => {
    const current = decide(differentiable, { changes: 3, sourceRows: 100 }).finish;
    const older = decide(differentiable, { changes: 3, sourceRows: 100 }, { currentSql: false }).finish;
    expect(current).toContain("initiated_by, decision_reason)");
    expect(older).not.toContain("decision_reason");
    expect(parses(older)).toBe(true);
  });
});

describe("pruning", () => {
  it("leaves out the delta terms of sources without changes", async () => {
    const join = await createdProgram("SELECT e.kind, o.amount FROM orders o JOIN events e ON e.n = o.customer");
    const statementOf = (d: { statements: { sql: string }[] }) => d.statements.find((s) => s.sql.startsWith("WITH"))!.sql;
    const terms = (sql: string) => sql.split("/*pgt:term needs=").slice(1).map((t) => t.slice(0, t.indexOf("*/")));
    // Unpruned: ΔO ⋈ E, the correction −(ΔO ⋈ ΔE), and O ⋈ ΔE.
    expect(terms(statementOf(decide(join, { changes: 3, sourceRows: 100 })))).toEqual(["16384", "16384,16390", "16390"]);
    const onlyOrders = decide(join, { changes: 3, sourceRows: 100, perSource: "16384:3,16390:0" });
    expect(terms(statementOf(onlyOrders))).toEqual(["16384"]);
    expect(parses(statementOf(onlyOrders))).toBe(true);
    expect(terms(statementOf(decide(join, { changes: 5, sourceRows: 100, perSource: "16384:3,16390:2" })))).toEqual(["16384", "16384,16390", "16390"]);
  });
});

describe("pg_trickle.full_refresh_every", () => {
  it("makes the refresh after N-1 DIFFERENTIAL ones FULL, and only that one", async () => {
    for (const [sinceFull, action] of [[8, "DIFFERENTIAL"], [9, "FULL"], [30, "FULL"]] as const) {
      const on = await loadEngine(createCatalog({ refreshCosts: { 7: { fulls: [100], sinceFull } } }));
      const d = on.callJson(refreshRequest(differentiable, { changes: 5, sourceRows: 10000 }, { pgtId: 7, fullRefreshEvery: 10 })).result;
      expect(d.action, `after ${sinceFull}`).toBe(action);
      if (action === "FULL") expect(verdict(d)).toMatchObject({ reason: "9 DIFFERENTIAL refreshes since the last FULL one (pg_trickle.full_refresh_every = 10)", wasFullFallback: true });
    }
  });
});

describe("the refresh decision", () => {
  it.each([
    ["not populated", { populated: false }, "the stream table is not populated yet"],
    ["without a frontier (its refresh mode changed)", { hasFrontier: false }, "the refresh mode changed, so no earlier refresh says which changes are applied"],
  ])("is FULL when the stream table is %s", (_what, overrides, reason) => {
    const d = decide(differentiable, { changes: 3, sourceRows: 100 }, overrides);
    expect(verdict(d)).toEqual({ action: "FULL", reason, wasFullFallback: false, deltaRows: 3 });
    expect(d.statements).toEqual(differentiable.full);
  });

  it("is FULL for a program that is not differentiable, whatever the probe says", () => {
    for (const probe of [{}, { changes: 5, sourceRows: 10 }]) {
      const d = decide(notDifferentiable, probe);
      expect(verdict(d)).toMatchObject({ action: "FULL", reason: "LIMIT without ORDER BY is not supported in DIFFERENTIAL mode", wasFullFallback: false });
      expect(d.statements).toEqual(notDifferentiable.full);
    }
  });

  it("is a FULL fallback after a TRUNCATE of the source, even with no other change", () => {
    for (const changes of [0, 1, 50]) {
      const d = decide(differentiable, { truncates: 1, changes, sourceRows: 1000 });
      expect(verdict(d)).toEqual({ action: "FULL", reason: "a source table was truncated", wasFullFallback: true, deltaRows: changes });
      expect(d.statements).toEqual(differentiable.full);
    }
  });

  it("refreshes FULL as a difference when other stream tables read this one, and by TRUNCATE otherwise", () => {
    for (const program of [differentiable, notDifferentiable]) {
      const consumed = decide(program, { truncates: 1, changes: 2, sourceRows: 10 }, { consumed: true });
      expect(consumed.action).toBe("FULL");
      expect(consumed.statements).toEqual(program.fullDiff);
      expect(consumed.statements.map((s: { sql: string }) => s.sql).join("\n")).not.toMatch(/TRUNCATE/);
      expect(consumed.statements.map((s: { counting: string }) => s.counting)).toEqual(["none", "none", "none", "deleted", "inserted", "none"]);
      for (const statement of consumed.statements) expect(parses(statement.sql), statement.sql).toBe(true);
      expect(decide(program, { truncates: 1, changes: 2, sourceRows: 10 }, { consumed: false }).statements).toEqual(program.full);
    }
    // Keyed by the row id where the stream table has one, the whole table where it has none.
    expect(differentiable.fullDiff[1].sql).toContain("PARTITION BY __pgt_r.__pgt_row_id ORDER BY __pgt_r USING OPERATOR(pg_catalog.*<)");
    expect(notDifferentiable.fullDiff[1].sql).toContain("row_number() OVER (ORDER BY __pgt_r USING OPERATOR(pg_catalog.*<)) - rank() OVER (ORDER BY __pgt_r USING OPERATOR(pg_catalog.*<))");
  });

  it("in IMMEDIATE mode: FULL with statement steps; without, DIFFERENTIAL whatever the strategy, FULL as a difference after a TRUNCATE or above the ratio", async () => {
    expect(verdict(decide(differentiable, {}, { refreshMode: "IMMEDIATE" })))
      .toEqual({ action: "FULL", reason: "refresh mode IMMEDIATE", wasFullFallback: false, deltaRows: 0 });
    const join = await createdProgram("SELECT o.id, e.kind FROM orders o JOIN events e ON e.n = o.id");
    expect(join.immediate).toBeNull();
    const within = { changes: 15, sourceRows: 100 };
    for (const [probe, overrides] of [[within, {}], [within, { refreshStrategy: "full" }], [within, { forceFull: true }], [within, { fullRefreshEvery: 1 }],
      [{ changes: 5000, sourceRows: 100 }, { refreshStrategy: "differential" }], [{ changes: 5000, sourceRows: 0 }, {}]] as const) {
      const d = decide(join, probe, { refreshMode: "IMMEDIATE", inStatement: true, ...overrides });
      expect(verdict(d)).toEqual({ action: "DIFFERENTIAL", reason: "refresh mode IMMEDIATE", wasFullFallback: false, deltaRows: probe.changes });
      expect(d.statements).toEqual(join.differential);
    }
    const rewritten = decide(join, { changes: 16, sourceRows: 100 }, { refreshMode: "IMMEDIATE", inStatement: true });
    expect(verdict(rewritten)).toEqual({
      action: "FULL", reason: "16 pending changes exceed pg_trickle.differential_max_change_ratio of 100 source rows", wasFullFallback: true, deltaRows: 16,
    });
    expect(rewritten.statements).toEqual(join.fullDiff);
    expect(decide(join, {}, { refreshMode: "IMMEDIATE", inStatement: true }).action).toBe("NO_DATA");
    const truncated = decide(join, { truncates: 1, changes: 1 }, { refreshMode: "IMMEDIATE", inStatement: true });
    expect(verdict(truncated)).toEqual({ action: "FULL", reason: "a source table was truncated", wasFullFallback: true, deltaRows: 1 });
    expect(truncated.statements).toEqual(join.fullDiff);
    // A refresh asked for by hand (no frontier after switching modes) recomputes it.
    expect(decide(join, { changes: 1 }, { refreshMode: "IMMEDIATE", hasFrontier: false }).action).toBe("FULL");
  });

  it("is NO_DATA with no statements when nothing changed", () => {
    const d = decide(differentiable, { changes: 0, sourceRows: 1000 });
    expect(verdict(d)).toEqual({ action: "NO_DATA", reason: "no pending changes", wasFullFallback: false, deltaRows: 0 });
    expect(d.statements).toEqual([]);
  });

  it("is NO_DATA when nothing changed even if FULL is requested or forced", () => {
    expect(decide(differentiable, {}, { refreshMode: "FULL" }).action).toBe("NO_DATA");
    expect(decide(differentiable, {}, { forceFull: true }).action).toBe("NO_DATA");
  });

  it("is DIFFERENTIAL for changes within the ratio", () => {
    const d = decide(differentiable, { changes: 15, sourceRows: 100 });
    expect(verdict(d)).toEqual({ action: "DIFFERENTIAL", reason: "15 pending changes, at most pg_trickle.differential_max_change_ratio of 100 source rows",
      wasFullFallback: false, deltaRows: 15 });
    expect(d.statements).toEqual(differentiable.differential);
  });

  it("is FULL, not a fallback, in refresh mode FULL", () => {
    const d = decide(differentiable, { changes: 1, sourceRows: 100 }, { refreshMode: "FULL" });
    expect(verdict(d)).toEqual({ action: "FULL", reason: "refresh mode FULL", wasFullFallback: false, deltaRows: 1 });
    expect(d.statements).toEqual(differentiable.full);
  });

  it("is FULL with refresh_strategy full", () => {
    expect(verdict(decide(differentiable, { changes: 1, sourceRows: 100 }, { refreshStrategy: "full" })))
      .toEqual({ action: "FULL", reason: "pg_trickle.refresh_strategy is full", wasFullFallback: false, deltaRows: 1 });
  });

  it("is a FULL fallback when force_full_refresh is on", () => {
    const d = decide(differentiable, { changes: 1, sourceRows: 100 }, { forceFull: true });
    expect(verdict(d)).toEqual({ action: "FULL", reason: "pg_trickle.force_full_refresh is on", wasFullFallback: true, deltaRows: 1 });
    expect(d.statements).toEqual(differentiable.full);
  });

  it("is a FULL fallback with strategy auto when changes exceed ratio × source rows", () => {
    const d = decide(differentiable, { changes: 16, sourceRows: 100 });
    expect(verdict(d)).toEqual({
      action: "FULL", reason: "16 pending changes exceed pg_trickle.differential_max_change_ratio of 100 source rows",
      wasFullFallback: true, deltaRows: 16,
    });
    expect(d.statements).toEqual(differentiable.full);
  });

  it("uses the ratio it is given", () => {
    expect(decide(differentiable, { changes: 60, sourceRows: 100 }, { maxChangeRatio: "0.5" }).action).toBe("FULL");
    expect(decide(differentiable, { changes: 50, sourceRows: 100 }, { maxChangeRatio: "0.5" }).action).toBe("DIFFERENTIAL");
    expect(decide(differentiable, { changes: 1, sourceRows: 100 }, { maxChangeRatio: "0" }).action).toBe("FULL");
  });

  it("does not fall back on the ratio when the source size is unknown (never analyzed: 0 rows)", () => {
    expect(decide(differentiable, { changes: 1_000_000, sourceRows: 0 }).action).toBe("DIFFERENTIAL");
  });

  it("is DIFFERENTIAL with strategy differential, regardless of the ratio", () => {
    const d = decide(differentiable, { changes: 5000, sourceRows: 100 }, { refreshStrategy: "differential" });
    expect(verdict(d)).toEqual({ action: "DIFFERENTIAL", reason: "pg_trickle.refresh_strategy is differential", wasFullFallback: false, deltaRows: 5000 });
    expect(d.statements).toEqual(differentiable.differential);
  });

  it("counts beyond 2^53 exactly", () => {
    expect(decide(differentiable, { sourceRows: 1 }, { probe: { truncates: "0", changes: "9007199254740993", sourceRows: "0" } }).deltaRows)
      .toBe(9007199254740992); // the response's JSON number, as JavaScript reads it
    const text = engine.call(refreshRequest(differentiable, {}, { probe: { truncates: "0", changes: "9007199254740993", sourceRows: "0" } }));
    expect(text).toContain('"deltaRows":9007199254740993');
  });
});

describe("the refresh statements", () => {
  it("end with the bookkeeping statement, in every decision", () => {
    const finishes = [
      decide(differentiable), decide(differentiable, { changes: 1, sourceRows: 100 }), decide(notDifferentiable),
    ].map((d) => d.finish);
    expect(new Set(finishes).size).toBe(1);
    expect(parses(finishes[0])).toBe(true);
    expect(finishes[0]).toMatchInlineSnapshot(`
      "WITH __pgt_u AS (
        UPDATE pgtrickle.pgt_stream_tables SET
          frontier = jsonb_build_object(
            'snapshot', pg_current_snapshot()::text,
            'xmin', pg_snapshot_xmin(pg_current_snapshot())::text,
            'own_xid', pg_current_xact_id_if_assigned()::text,
            'own_seq', (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM pgtrickle_changes.change_seq)::text),
          data_timestamp = now(), is_populated = true,
          last_refresh_at = CASE WHEN $5 = 'NO_DATA' THEN last_refresh_at ELSE now() END,
          status = CASE WHEN status = 'INITIALIZING' THEN 'ACTIVE' ELSE status END,
          effective_refresh_mode = CASE WHEN $5 = 'NO_DATA' OR $8 = 'IMMEDIATE' THEN effective_refresh_mode WHEN $5 = 'REINITIALIZE' THEN 'FULL' ELSE $5 END,
          needs_reinit = needs_reinit AND $5 <> 'REINITIALIZE',
          consecutive_errors = 0, updated_at = now()
        WHERE pgt_id = $10::bigint
        RETURNING pgt_id)
      INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, data_timestamp, start_time, end_time, action,
        rows_inserted, rows_deleted, delta_row_count, was_full_fallback, fallback_reason, status, initiated_by, decision_reason)
      SELECT pgt_id, now(), $9::timestamptz, clock_timestamp(), $5, $6::bigint, $7::bigint, $11::bigint,
        $12::bool, CASE WHEN $5 = 'FULL' OR $12::bool THEN $13 END, 'COMPLETED', $8, $13
      FROM __pgt_u
      WHERE ($5 <> 'NO_DATA' OR $8 <> 'SCHEDULER') AND $8 <> 'IMMEDIATE'"
    `);
  });

  it("are the program's, whatever the order of its keys (jsonb sorts them)", () => {
    const sorted = Object.fromEntries(Object.entries(differentiable).sort(([a], [b]) => a.localeCompare(b)));
    expect(Object.keys(sorted)).not.toEqual(Object.keys(differentiable));
    expect(decide(sorted, { changes: 1, sourceRows: 100 }).statements).toEqual(differentiable.differential);
  });
});
