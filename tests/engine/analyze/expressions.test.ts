/**
 * @fileoverview Binding of expressions (src/engine/analyze/expressions.ts), seen through `create`:
 * the nesting bound that keeps the engine's recursion safe (54000), and how function calls are
 * classified from the catalog's answer (aggregate, window, volatile, time-dependent).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import { createCatalog, FUNCTIONS } from "../../native/catalog-fixture.ts";
import { createRequest, loadEngine } from "../engine-fixture.ts";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const create = (query: string, refreshMode = "AUTO", on: EngineHost = engine): any =>
  on.callJson(createRequest(query, { refreshMode }));

/** `SELECT (((customer+1)+1)...+1) AS c FROM orders`: `depth` nested additions. */
const nestedQuery = (depth: number): string => `SELECT ${"(".repeat(depth)}customer${"+1)".repeat(depth)} AS c FROM orders`;

describe("expression nesting", () => {
  it("binds 400 levels (the bound)", () => {
    const result = create(nestedQuery(400), "DIFFERENTIAL").result;
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.program.full.find((s: { sql: string }) => s.sql.startsWith("INSERT")).sql).toContain(`${"(".repeat(400)}__pgt_src."customer" + 1)`);
  });

  it("refuses 401 levels with 54000 at the first node too deep", () => {
    const query = nestedQuery(401);
    expect(create(query, "DIFFERENTIAL").error).toEqual({
      code: "QueryTooComplex", sqlstate: "54000", category: "user", message: "query is too complex",
      detail: "An expression is nested more than 400 levels deep.", hint: "Simplify the defining query.",
      position: query.indexOf("customer") + 1,
    });
  });

  it("refuses 450 levels with 54000 in DIFFERENTIAL, then keeps answering", () => {
    const response = create(nestedQuery(450), "DIFFERENTIAL");
    expect(response.error).toMatchObject({ sqlstate: "54000", message: "query is too complex", position: 610 });
    // The 49th `+` from the inside is the 401st node from the outside.
    expect(nestedQuery(450).slice(609, 612)).toBe("+1)");
    expect(create("SELECT id FROM orders", "DIFFERENTIAL").result.refreshMode).toBe("DIFFERENTIAL");
  });

  it("falls back to FULL for 450 levels in AUTO: PostgreSQL itself can run the query", () => {
    const result = create(nestedQuery(450)).result;
    expect(result.refreshMode).toBe("FULL");
    expect(result.warnings).toEqual(['stream table "new_st" will use FULL refresh: query is too complex']);
  });

  it("refuses a parse tree past the reader's bound in every mode, then keeps answering", () => {
    for (const mode of ["AUTO", "FULL", "DIFFERENTIAL"]) {
      expect(create(nestedQuery(1000), mode).error).toMatchObject({
        sqlstate: "54000", message: "query is too complex", detail: "The request is nested more deeply than the engine accepts.",
      });
    }
    expect(create("SELECT id FROM orders").ok).toBe(true);
  });
});

describe("function calls", () => {
  it.each([
    ["SELECT id FROM orders WHERE count(*) > 1", "aggregate count() in this position"],
    ["SELECT sum(count(*)) AS s FROM orders", "aggregate count() in this position"],
    ["SELECT id, row_number() AS r FROM orders", "window function row_number()"],
    ["SELECT id, pg_catalog.random() AS r FROM orders", "volatile function random()"],
    ["SELECT id, public.jitter(amount) AS j FROM orders", "volatile function jitter()"],
    ["SELECT id FROM orders WHERE now() > '2020-01-01'", "time-dependent function now()"],
  ])("%s: %s is not differentiable", async (query, construct) => {
    const catalog = createCatalog({ functions: [...FUNCTIONS, { schema: "public", name: "jitter", kind: "f", volatility: "v" }] });
    const on = await loadEngine(catalog);
    expect(create(query, "DIFFERENTIAL", on).error.message).toBe(`${construct} is not supported in DIFFERENTIAL mode`);
  });

  it("renders a function as it was named, each part quoted", async () => {
    const catalog = createCatalog({ functions: [...FUNCTIONS, { schema: "public", name: "tax", kind: "f", volatility: "i" }] });
    const on = await loadEngine(catalog);
    const full = create("SELECT id, public.tax(amount) AS t, tax(amount) AS u, pg_catalog.lower(note) AS l FROM orders", "DIFFERENTIAL", on)
      .result.program.full.find((s: { sql: string }) => s.sql.startsWith("INSERT")).sql;
    expect(full).toContain('"public"."tax"(__pgt_src."amount") AS "t"');
    expect(full).toContain('"tax"(__pgt_src."amount") AS "u"');
    expect(full).toContain('"pg_catalog"."lower"(__pgt_src."note") AS "l"');
  });

  it("a volatile function in another schema does not make a same-named visible one volatile", async () => {
    const catalog = createCatalog({ functions: [...FUNCTIONS, { schema: "other", name: "lower", kind: "f", volatility: "v" }] });
    const on = await loadEngine(catalog);
    expect(create("SELECT id, lower(note) AS l FROM orders", "DIFFERENTIAL", on).result.refreshMode).toBe("DIFFERENTIAL");
    expect(create("SELECT id, other.lower(note) AS l FROM orders", "DIFFERENTIAL", on).error.message)
      .toBe("volatile function lower() is not supported in DIFFERENTIAL mode");
  });
});

describe("interval types with field qualifiers", () => {
  it.each([
    ["interval '3' month", "CAST('3' AS interval MONTH)"],
    ["interval '1-2' year to month", "CAST('1-2' AS interval YEAR TO MONTH)"],
    ["interval '1 2:03:04.5678' day to second(2)", "CAST('1 2:03:04.5678' AS interval DAY TO SECOND(2))"],
    ["interval(1) '2.25 seconds'", "CAST('2.25 seconds' AS interval(1))"],
    ["CAST(note AS interval hour to minute)", "CAST(__pgt_src.\"note\" AS interval HOUR TO MINUTE)"],
  ])("keeps %s exact in DIFFERENTIAL mode", (expression, sql) => {
    const result = create(`SELECT id, ${expression} AS i FROM orders`, "DIFFERENTIAL").result;
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.program.full.find((s: { sql: string }) => s.sql.startsWith("INSERT")).sql).toContain(sql);
  });
});

describe("pg_trickle.volatile_function_policy and stable functions", () => {
  const query = "SELECT id, amount * random() AS r FROM orders";
  const withPolicy = (policy: string, mode = "DIFFERENTIAL") => engine.callJson(createRequest(query, { refreshMode: mode, volatileFunctionPolicy: policy }));

  it("reject (the default) refuses a volatile function with 0A000", () => {
    expect(withPolicy("reject").error).toMatchObject({ sqlstate: "0A000", message: "volatile function random() is not supported in DIFFERENTIAL mode" });
    expect(create(query, "DIFFERENTIAL").error).toMatchObject({ sqlstate: "0A000" });
  });

  it("warn accepts it with a warning, allow without one", () => {
    const warned = withPolicy("warn").result;
    expect(warned.refreshMode).toBe("DIFFERENTIAL");
    expect(warned.warnings).toEqual(["stream table \"new_st\": volatile function random() is evaluated again only for the rows a refresh changes, "
      + "so the stream table can differ from a fresh run of its query"]);
    const allowed = withPolicy("allow").result;
    expect(allowed.refreshMode).toBe("DIFFERENTIAL");
    expect(allowed.warnings).toEqual([]);
  });

  it("warns about a stable function once, and not for a FULL stream table", () => {
    const stable = "SELECT id, to_char(amount, '999') AS a, to_char(customer, '99') AS c FROM orders";
    const warnings = create(stable, "DIFFERENTIAL").result.warnings;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^stream table "new_st": stable function to_char\(\) is evaluated again only for the rows a refresh changes/);
    expect(create(stable, "FULL").result.warnings).toEqual([]);
  });
});
