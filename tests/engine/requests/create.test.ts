/**
 * @fileoverview `create` (src/engine/requests/create.ts) through build/engine.wasm on the fixture
 * catalog: how AUTO resolves, which constructs are refused in DIFFERENTIAL mode and where the
 * error points, the errors no refresh mode gets past, and the exact statements and refresh
 * program generated for each kind of plan. The SQL of each plan is a file snapshot under
 * __snapshots__/create/, so a change in generated SQL shows up in review as a SQL diff.
 * Option validation (refresh mode, schedule, options) is in options.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineHost } from "../../../src/host/engine-host.ts";
import { createCatalog, defaultCatalogConfig, EVENTS, ORDERS, VIEW_V } from "../../native/catalog-fixture.ts";
import { createRequest, type EngineStatement, loadEngine, parses, sqlLiteral } from "../engine-fixture.ts";

const FULL_MODE_HINT = "Use refresh_mode => 'FULL', or 'AUTO' to fall back to FULL refresh automatically.";

let engine: EngineHost;
beforeAll(async () => { engine = await loadEngine(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const create = (query: string, overrides: Record<string, unknown> = {}): any => engine.callJson(createRequest(query, overrides));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function created(query: string, overrides: Record<string, unknown> = {}): any {
  const response = create(query, overrides);
  if (!response.ok) throw new Error(`create failed: ${JSON.stringify(response.error)}`);
  return response.result;
}

/** The statement of a DIFFERENTIAL refresh that applies the delta (the others fill and drop the deltas' tables). */
const isDeltaStatement = (s: EngineStatement) => s.sql.startsWith("WITH");

/** The text of `query` from 1-based character (code point) `position` on, as PostgreSQL counts. */
const textAt = (query: string, position: number): string => [...query].slice(position - 1).join("");

/** Queries the engine maintains differentially, with their operator trees and captured columns. */
const DIFFERENTIABLE: { query: string; tree: string; source: string; columns: string[] }[] = [
  { query: "SELECT id, amount FROM orders WHERE amount > 10", tree: "Project(Filter(Scan(public.orders)))", source: "orders", columns: ["amount", "id"] },
  { query: "SELECT customer, note FROM orders", tree: "Project(Scan(public.orders))", source: "orders", columns: ["customer", "note", "id"] },
  { query: "SELECT * FROM orders", tree: "Project(Scan(public.orders))", source: "orders", columns: ["id", "customer", "amount", "note"] },
  { query: "SELECT kind FROM events", tree: "Project(Scan(public.events))", source: "events", columns: ["kind"] },
  { query: "SELECT customer, count(*) AS n FROM orders GROUP BY customer", tree: "Aggregate(Scan(public.orders))", source: "orders", columns: ["customer", "id"] },
  { query: "SELECT sum(amount) AS total FROM orders WHERE note LIKE 'a%'", tree: "Aggregate(Filter(Scan(public.orders)))", source: "orders", columns: ["note", "amount", "id"] },
  { query: "SELECT count(*) AS n FROM events", tree: "Aggregate(Scan(public.events))", source: "events", columns: [] },
  { query: "SELECT DISTINCT kind FROM events WHERE n > 0", tree: "Distinct(Filter(Scan(public.events)))", source: "events", columns: ["n", "kind"] },
  { query: "SELECT public.orders.id, orders.note FROM public.orders", tree: "Project(Scan(public.orders))", source: "orders", columns: ["id", "note"] },
  { query: "SELECT x.c FROM (SELECT customer AS c, count(*) AS n FROM orders GROUP BY customer) AS x", tree: "Project(Derived(Aggregate(Scan(public.orders))))", source: "orders", columns: ["customer", "id"] },
  // Aggregates inside a derived relation whose value does not depend on the order of their rows keep the delta rules.
  { query: "SELECT x.c, x.s FROM (SELECT customer AS c, sum(amount) AS s, stddev(amount) AS d FROM orders GROUP BY customer) AS x",
    tree: "Project(Derived(Aggregate(Scan(public.orders))))", source: "orders", columns: ["customer", "amount", "id"] },
  { query: "SELECT x.c, x.notes FROM (SELECT customer AS c, string_agg(note, ',' ORDER BY note) AS notes FROM orders GROUP BY customer) AS x",
    tree: "Project(Derived(Aggregate(Scan(public.orders))))", source: "orders", columns: ["customer", "note", "id"] },
  { query: "WITH c (k) AS (SELECT id FROM orders), orders AS (SELECT k FROM c) SELECT k FROM orders", tree: "Project(Scan(public.orders))", source: "orders", columns: ["id"] },
];

/** Queries this version cannot maintain differentially, with the construct the engine names. */
const NOT_DIFFERENTIABLE: { query: string; construct: string; sources: string[] }[] = [
  { query: "SELECT o.id FROM orders o, LATERAL (VALUES (o.id), (o.customer)) AS x", construct: "this LATERAL subquery", sources: ["orders"] },
  { query: "SELECT sum(id) FILTER (WHERE customer IN (SELECT n FROM events)) AS s FROM orders", construct: "a subquery inside an aggregate's arguments or FILTER", sources: ["orders", "events"] },
  { query: "SELECT count(*) AS c FROM orders a, orders b JOIN LATERAL (VALUES (a.id)) AS ss (x) ON b.customer = ss.x",
    construct: "a LATERAL subquery without FROM in an outer join other than LEFT JOIN ... ON true, or in a join whose condition reads outside it", sources: ["orders"] },
  { query: "SELECT o.id FROM orders o JOIN LATERAL (SELECT count(*) AS k FROM events e WHERE e.n = o.id) AS x ON x.k > 0", construct: "a JOIN condition other than ON true with a LATERAL aggregate subquery", sources: ["orders", "events"] },
  { query: "SELECT x.c FROM (SELECT customer AS c, count(*) AS n FROM orders GROUP BY ROLLUP (customer)) AS x", construct: "GROUPING SETS, ROLLUP or CUBE in a subquery in FROM", sources: ["orders"] },
  { query: "SELECT o.id, x.k FROM orders o LEFT JOIN LATERAL (SELECT e.kind || '!' AS k FROM events e WHERE e.n = o.id) AS x ON true", construct: "a computed column of a subquery or view on the nullable side of an outer join", sources: ["orders", "events"] },
  { query: "SELECT id FROM orders LIMIT 10", construct: "LIMIT without ORDER BY", sources: ["orders"] },
  { query: "SELECT DISTINCT customer, rank() OVER (ORDER BY customer) AS r FROM orders", construct: "window functions in a query with DISTINCT or GROUPING SETS", sources: ["orders"] },
  { query: "SELECT id FROM orders WHERE amount > sum(amount) OVER ()", construct: "window function sum() in this position", sources: ["orders"] },
  { query: "SELECT id FROM orders WHERE customer = ANY (ARRAY(SELECT n FROM events))", construct: "ARRAY(subquery)", sources: ["orders", "events"] },
  { query: "SELECT id, random() AS r FROM orders", construct: "volatile function random()", sources: ["orders"] },
  { query: "SELECT id, now() AS t FROM orders", construct: "time-dependent function now()", sources: ["orders"] },
  { query: "SELECT id FROM orders WHERE note = CURRENT_USER", construct: "a time- or session-dependent value function (CURRENT_DATE, CURRENT_USER, ...)", sources: ["orders"] },
  { query: "SELECT DISTINCT ON (customer) customer, count(*) AS n FROM orders GROUP BY customer", construct: "DISTINCT ON together with GROUP BY, aggregates or window functions", sources: ["orders"] },
  { query: "SELECT id FROM orders GROUP BY customer", construct: "output column \"id\" that is neither grouped nor aggregated", sources: ["orders"] },
  { query: "SELECT 1 AS one", construct: "a query without a FROM clause", sources: [] },
  { query: "SELECT v.a FROM (VALUES (1), (2)) AS v (a), (SELECT 3 AS b) AS c", construct: "a query that reads no table (only VALUES or SELECT without FROM)", sources: [] },
];

describe("AUTO", () => {
  it.each(DIFFERENTIABLE)("resolves to DIFFERENTIAL for $query", ({ query, tree, source, columns }) => {
    const result = created(query);
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.warnings).toEqual([]);
    expect(result.program.differentiable).toBe(true);
    expect(result.program.reason).toBe("");
    expect(result.program.operatorTree).toBe(tree);
    // Only the columns the query reads, plus the primary key, are captured and recorded.
    const rel = source === "orders" ? ORDERS : EVENTS;
    expect(result.program.sources).toEqual([{ oid: rel.oid, schema: "public", name: source, relkind: "r", columns }]);
    const dependency = result.statements.at(-1).sql;
    expect(dependency).toContain(`SELECT pgt_id, ${rel.oid}, 'TABLE', ARRAY[${columns.map(sqlLiteral).join(", ")}]::text[], 'trigger'`);
  });

  it.each([
    ["SELECT x.c, x.notes FROM (SELECT customer AS c, string_agg(note, ',') AS notes FROM orders GROUP BY customer) AS x",
      "string_agg() inside a subquery or window depends on the order PostgreSQL reads rows in", "Recompute(Project(Derived(Aggregate(Scan(public.orders)))))"],
    ["SELECT id, array_agg(note) OVER (PARTITION BY customer) AS notes FROM orders",
      "array_agg() inside a subquery or window depends on the order PostgreSQL reads rows in", "Recompute(Project(Derived(Window(Scan(public.orders)))))"],
    ["SELECT id FROM orders ORDER BY amount DESC OFFSET 10", "OFFSET without LIMIT keeps rows by their position", "Recompute(Project(Scan(public.orders)))"],
    ["SELECT x.id FROM (SELECT id FROM orders ORDER BY id LIMIT 3) AS x", "LIMIT or OFFSET in a subquery in FROM keeps rows by their position",
      "Recompute(Project(Scan(public.orders)))"],
  ])("recomputes %s, whose rows depend on which rows PostgreSQL reads first, with a warning", (query, why, tree) => {
    const result = created(query);
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.warnings).toEqual([`stream table "new_st": ${why}: a refresh with changes runs the whole query and writes only the rows that differ`]);
    expect(result.program.operatorTree).toBe(tree);
    expect(result.program.differential).toEqual(result.program.fullDiff);
    expect(result.program.immediate).toBeNull();
  });

  it.each(NOT_DIFFERENTIABLE)("falls back to FULL with one warning naming $construct", ({ query, construct, sources }) => {
    const result = created(query);
    const reason = `${construct} is not supported in DIFFERENTIAL mode`;
    expect(result.refreshMode).toBe("FULL");
    expect(result.warnings).toEqual([`stream table "new_st" will use FULL refresh: ${reason}`]);
    expect(result.program.differentiable).toBe(false);
    expect(result.program.reason).toBe(reason);
    expect(result.program.operatorTree).toBe("Full(query)");
    expect(result.program.probe).toBe("");
    expect(result.program.differential).toEqual([]);
    // Every relation the query reads is a dependency, but nothing is captured.
    expect(result.program.sources.map((s: { name: string }) => s.name).sort()).toEqual([...sources].sort());
    expect(result.program.sources.every((s: { columns: string[] }) => s.columns.length === 0)).toBe(true);
    const sqls: string[] = result.statements.map((s: EngineStatement) => s.sql);
    expect(sqls.filter((s) => s.startsWith("INSERT INTO pgtrickle.pgt_dependencies")).length).toBe(sources.length);
    expect(sqls.some((s) => s.includes("pgtrickle_changes"))).toBe(false);
    const catalogRow = sqls.find((s) => s.startsWith("INSERT INTO pgtrickle.pgt_stream_tables"))!;
    expect(catalogRow).toContain(`'FULL', 'AUTO', 'FULL', ${sqlLiteral(reason)}, `);
  });

  it("names the first construct it meets when a query has several", () => {
    expect(created("SELECT id, random() AS r FROM orders LIMIT 3").warnings)
      .toEqual(['stream table "new_st" will use FULL refresh: LIMIT without ORDER BY is not supported in DIFFERENTIAL mode']);
  });

  it("treats INCREMENTAL as DIFFERENTIAL, case-insensitively", () => {
    const result = created("SELECT id FROM orders", { refreshMode: " incremental " });
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.statements.at(-2).sql).toContain("'DIFFERENTIAL', 'DIFFERENTIAL', 'DIFFERENTIAL', NULL, ");
  });
});

describe("DIFFERENTIAL", () => {
  it.each(NOT_DIFFERENTIABLE)("refuses $construct with 0A000 and the FULL hint", ({ query, construct }) => {
    const response = create(query, { refreshMode: "DIFFERENTIAL" });
    expect(response.ok).toBe(false);
    expect(response.error).toMatchObject({
      code: "UnsupportedConstruct", sqlstate: "0A000", category: "user",
      message: `${construct} is not supported in DIFFERENTIAL mode`, hint: FULL_MODE_HINT,
    });
  });

  it.each([
    { query: "SELECT id FROM orders WHERE amount > row_number() OVER ()", position: 38, text: "row_number()" },
    { query: "SELECT id FROM orders WHERE id = ANY (ARRAY(SELECT 1))", position: 39, text: "ARRAY(SELECT 1)" },
    { query: "SELECT id,\n       random() AS r\n  FROM orders", position: 19, text: "random()" },
    { query: "SELECT id FROM orders WHERE now() > '2020-01-01'", position: 29, text: "now()" },
  ])("points at the construct: $text at $position", ({ query, position, text }) => {
    const response = create(query, { refreshMode: "DIFFERENTIAL" });
    expect(response.error.sqlstate).toBe("0A000");
    expect(response.error.position).toBe(position);
    expect(textAt(query, position).startsWith(text)).toBe(true);
  });

  it("counts characters, not bytes, before the construct (multi-byte UTF-8)", () => {
    // é and ✓ take 2 and 3 bytes, 😀 takes 4 bytes and two UTF-16 units: each is one character.
    const query = "SELECT 'héllo ✓ 😀' AS t, random() AS r FROM orders";
    const response = create(query, { refreshMode: "DIFFERENTIAL" });
    expect(response.error.message).toBe("volatile function random() is not supported in DIFFERENTIAL mode");
    expect(response.error.position).toBe(26);
    expect(Buffer.byteLength(query.slice(0, query.indexOf("random")))).toBe(31);
    expect(textAt(query, 26).startsWith("random()")).toBe(true);
  });

  // Statement-level constructs point at the part of the tree that carries them.
  it.each([
    { query: "SELECT id FROM orders LIMIT 10", text: "10" },
    { query: "SELECT id FROM orders ORDER BY id LIMIT (SELECT 5)", text: "(SELECT 5)" },
  ])("points at $text", ({ query, text }) => {
    const response = create(query, { refreshMode: "DIFFERENTIAL" });
    expect(response.error.position).toBeGreaterThan(0);
    expect(textAt(query, response.error.position).startsWith(text)).toBe(true);
  });

  it("accepts a differentiable query without warnings", () => {
    const result = created("SELECT id, amount FROM orders", { refreshMode: "DIFFERENTIAL" });
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.warnings).toEqual([]);
  });
});

describe("joins", () => {
  const sourcesOf = (result: any) => result.program.sources.map((s: { name: string; columns: string[] }) => [s.name, s.columns]);

  it.each([
    { query: "SELECT o.id, e.kind FROM orders o JOIN events e ON e.n = o.id", tree: "Project(InnerJoin(Scan(public.orders), Scan(public.events)))" },
    { query: "SELECT o.id, e.kind FROM orders o, events e WHERE e.n = o.id", tree: "Project(Filter(InnerJoin(Scan(public.orders), Scan(public.events))))" },
    { query: "SELECT o.id, e.kind FROM orders o LEFT JOIN events e ON e.n = o.id", tree: "Project(LeftJoin(Scan(public.orders), Scan(public.events)))" },
    { query: "SELECT o.id, e.kind FROM events e RIGHT JOIN orders o ON e.n = o.id", tree: "Project(RightJoin(Scan(public.events), Scan(public.orders)))" },
    { query: "SELECT o.id, e.kind FROM orders o FULL JOIN events e ON e.n = o.id AND e.kind <> o.note", tree: "Project(FullJoin(Scan(public.orders), Scan(public.events)))" },
    { query: "SELECT o.id, e.kind FROM orders o CROSS JOIN events e", tree: "Project(InnerJoin(Scan(public.orders), Scan(public.events)))" },
    { query: "SELECT e.kind, sum(o.amount) AS total FROM orders o JOIN events e ON e.n = o.id GROUP BY e.kind", tree: "Aggregate(InnerJoin(Scan(public.orders), Scan(public.events)))" },
    { query: "SELECT x.c, e.kind FROM (SELECT customer AS c, id FROM orders WHERE amount > 0) AS x JOIN events e ON e.n = x.id",
      tree: "Project(InnerJoin(Filter(Scan(public.orders)), Scan(public.events)))" },
  ])("maintains $query differentially", ({ query, tree }) => {
    const result = created(query);
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.program.operatorTree).toBe(tree);
    expect(result.program.sources.map((s: { name: string }) => s.name).sort()).toEqual(["events", "orders"]);
    // Both sources are captured.
    const buffers = result.statements.filter((s: EngineStatement) => s.sql.startsWith("CREATE TABLE pgtrickle_changes."));
    expect(buffers.map((s: EngineStatement) => s.sql.split(" ")[2]).sort()).toEqual([`pgtrickle_changes."changes_${ORDERS.oid}"`, `pgtrickle_changes."changes_${EVENTS.oid}"`].sort());
  });

  it("captures from each source exactly the columns the query reads from it (plus its key)", () => {
    const result = created("SELECT e.kind FROM orders o JOIN events e ON e.n = o.customer WHERE o.amount > 1");
    expect(sourcesOf(result)).toEqual([["orders", ["customer", "amount", "id"]], ["events", ["n", "kind"]]]);
  });

  it("puts each table's delta in an analyzed temporary table first, and drops them at the end", () => {
    const result = created("SELECT e.kind, o.amount FROM orders o JOIN events e ON e.n = o.customer");
    expect(result.program.differential.map((s: EngineStatement) => s.sql.split(/[\s(]/).slice(0, 2).join(" "))).toEqual([
      "CREATE TEMP", "ANALYZE pg_temp.__pgt_d0", "CREATE TEMP", "ANALYZE pg_temp.__pgt_d1", "WITH __pgt_w", "DROP TABLE",
    ]);
  });

  it("restricts each table's delta by the WHERE clause's conditions on that table, only over inner joins", () => {
    const prepare = (query: string) => created(query).program.differential.filter((s: EngineStatement) => s.sql.startsWith("CREATE TEMP")).map((s: EngineStatement) => s.sql);
    const [orders, events] = prepare("SELECT e.kind FROM orders o, events e WHERE e.n = o.customer AND o.amount > 5 AND (e.kind = 'a' OR (e.kind = 'b' AND o.note = 'x'))");
    expect(orders).toContain("WHERE (w.c0_1 > 5)");
    // From the OR: each branch's condition on events alone.
    expect(events).toContain("WHERE ((w.c1_1 = 'a') OR (w.c1_1 = 'b'))");
    // Below an outer join a delta row failing the WHERE clause still changes a match count.
    for (const sql of prepare("SELECT e.kind FROM orders o LEFT JOIN events e ON e.n = o.customer WHERE o.amount > 5")) expect(sql).not.toContain(") AS w\nWHERE");
  });

  it("reads a self-join's table once, with the columns of both occurrences", () => {
    const result = created("SELECT a.id, b.note FROM orders a JOIN orders b ON b.customer = a.id");
    expect(result.program.operatorTree).toBe("Project(InnerJoin(Scan(public.orders), Scan(public.orders)))");
    expect(sourcesOf(result)).toEqual([["orders", ["id", "customer", "note"]]]);
  });

  it("USING and NATURAL merge the named columns; FULL JOIN merges with COALESCE", () => {
    const using = created("SELECT id, a.note FROM orders a JOIN orders b USING (id)");
    expect(using.program.full[2].sql).toContain('ON (__pgt_s0."id" = __pgt_s1."id")');
    const full = created("SELECT id FROM orders a FULL JOIN orders b USING (id)");
    expect(full.program.full[2].sql).toContain('COALESCE(__pgt_s0."id", __pgt_s1."id") AS "id"');
    const natural = created("SELECT * FROM orders NATURAL JOIN orders AS o2");
    expect(natural.program.operatorTree).toBe("Project(InnerJoin(Scan(public.orders), Scan(public.orders)))");
    expect(natural.program.full[2].sql).toContain('(__pgt_s0."id" = __pgt_s1."id") AND (__pgt_s0."customer" = __pgt_s1."customer")');
  });

  it("keeps a subquery computing a column on the nullable side of an outer join as a relation of its own, padded with NULLs", () => {
    const query = "SELECT qq FROM (SELECT COALESCE(customer, 0) AS qq FROM orders) AS a FULL JOIN (SELECT COALESCE(n, -1) AS qq FROM events) AS b USING (qq)";
    expect(created(query, { refreshMode: "DIFFERENTIAL" }).program.operatorTree)
      .toBe("Project(FullJoin(Derived(Project(Scan(public.orders))), Derived(Project(Scan(public.events)))))");
    expect(created("SELECT o.id, x.k FROM orders o LEFT JOIN (SELECT kind || '!' AS k, n FROM events) AS x ON x.n = o.id").program.operatorTree)
      .toBe("Project(LeftJoin(Scan(public.orders), Derived(Project(Scan(public.events)))))");
  });

  it("a join in IMMEDIATE mode has no statement steps: it keeps change capture, refreshed after each writing statement", () => {
    const result = created("SELECT o.id, e.kind FROM orders o JOIN events e ON e.n = o.id", { refreshMode: "IMMEDIATE" });
    expect(result.refreshMode).toBe("IMMEDIATE");
    expect(result.program.immediate).toBeNull();
    const sqls: string[] = result.statements.map((s: EngineStatement) => s.sql);
    expect(sqls.filter((q) => q.startsWith("CREATE TABLE pgtrickle_changes.")).length).toBe(2);
    const dependencies = sqls.filter((q) => q.startsWith("INSERT INTO pgtrickle.pgt_dependencies"));
    expect(dependencies.map((q) => q.includes("'trigger'\nFROM"))).toEqual([true, true]);
    expect(sqls.filter((q) => q.startsWith("SELECT pgtrickle._immediate_triggers(pgt_id, true)")).length).toBe(1);
  });

  it("a one-table query in IMMEDIATE mode has statement steps and no change capture", () => {
    const result = created("SELECT id, amount FROM orders", { refreshMode: "IMMEDIATE" });
    expect(Object.keys(result.program.immediate)).toEqual(["insert", "update", "delete", "check"]);
    const sqls: string[] = result.statements.map((s: EngineStatement) => s.sql);
    expect(sqls.filter((q) => q.startsWith("CREATE TABLE pgtrickle_changes.")).length).toBe(0);
    expect(sqls.find((q) => q.startsWith("INSERT INTO pgtrickle.pgt_dependencies"))).toContain("'immediate'");
  });

  it.each([
    { query: "SELECT id FROM orders a, orders b", error: { sqlstate: "42702", message: 'column reference "id" is ambiguous', position: 8 } },
    { query: "SELECT 1 AS one FROM orders, orders", error: { sqlstate: "42712", message: 'table name "orders" specified more than once' } },
    { query: "SELECT x.nope FROM orders AS x", error: { sqlstate: "42703", message: "column x.nope does not exist", position: 8 } },
    { query: "SELECT orders.id FROM orders AS x", error: { sqlstate: "42P01", message: 'missing FROM-clause entry for table "orders"' } },
    { query: "SELECT id FROM orders a JOIN events b USING (nope)", error: { sqlstate: "42703", message: 'column "nope" specified in USING clause does not exist in left table' } },
  ])("name errors: $error.sqlstate for $query", ({ query, error }) => {
    expect(create(query).error).toMatchObject(error);
  });
});

describe("views", () => {
  it("inlines a view: its tables are captured, the view is a dependency without capture", () => {
    const result = created("SELECT x.id, x.amount * 2 AS doubled FROM v AS x WHERE x.id > 3");
    expect(result.refreshMode).toBe("DIFFERENTIAL");
    expect(result.program.operatorTree).toBe("Project(Filter(Filter(Scan(public.orders))))");
    expect(result.program.sources.map((s: { name: string; relkind: string; columns: string[] }) => [s.name, s.relkind, s.columns]))
      .toEqual([["orders", "r", ["amount", "id"]], ["v", "v", []]]);
    const sqls: string[] = result.statements.map((s: EngineStatement) => s.sql);
    expect(sqls.filter((q) => q.startsWith("CREATE TABLE pgtrickle_changes.")).length).toBe(1);
    expect(sqls.find((q) => q.includes(`${VIEW_V.oid}, 'VIEW'`))).toContain("ARRAY[]::text[], 'none'");
    // The view's filter is part of the program.
    expect(result.program.full[2].sql).toContain('(__pgt_s0."amount" > CAST(0 AS "pg_catalog"."numeric"))');
  });

  it("a view in IMMEDIATE mode is refreshed from the change buffers of its tables", () => {
    const result = created("SELECT id FROM v", { refreshMode: "IMMEDIATE" });
    expect(result.program.immediate).toBeNull();
    expect(result.statements.filter((s: EngineStatement) => s.sql.startsWith("CREATE TABLE pgtrickle_changes.")).length).toBe(1);
  });

  it("names a construct inside a view at the view's name in the defining query", async () => {
    const windowed = { ...VIEW_V, oid: "16401", name: "w", definition: "SELECT DISTINCT id, row_number() OVER () AS amount FROM orders" };
    const config = defaultCatalogConfig();
    const on = await loadEngine(createCatalog({ relations: [...config.relations, windowed] }));
    const query = "SELECT id FROM orders o JOIN w ON w.id = o.id";
    const response = on.callJson(createRequest(query, { refreshMode: "DIFFERENTIAL" }));
    expect(response.error).toMatchObject({ sqlstate: "0A000", message: "window functions in a query with DISTINCT or GROUPING SETS in a subquery in FROM is not supported in DIFFERENTIAL mode" });
    expect(textAt(query, response.error.position).startsWith("w ON")).toBe(true);
  });
});

describe("FULL", () => {
  it.each(NOT_DIFFERENTIABLE)("accepts $construct without a warning", ({ query, construct }) => {
    const result = created(query, { refreshMode: "FULL" });
    expect(result.refreshMode).toBe("FULL");
    expect(result.warnings).toEqual([]);
    expect(result.program.reason).toBe(`${construct} is not supported in DIFFERENTIAL mode`);
  });

  it("still compiles and captures a differentiable query, so ALTER to DIFFERENTIAL works later", () => {
    const result = created("SELECT id, amount FROM orders", { refreshMode: "FULL" });
    expect(result.refreshMode).toBe("FULL");
    expect(result.program.differentiable).toBe(true);
    expect(result.program.differential.length).toBe(1);
    expect(result.statements.some((s: EngineStatement) => s.sql.startsWith("CREATE TRIGGER pgtrickle_capture_insert"))).toBe(true);
    expect(result.statements.at(-2).sql).toContain("'FULL', 'FULL', 'FULL', NULL, ");
  });
});

describe("errors no refresh mode gets past", () => {
  const modes = ["AUTO", "FULL", "DIFFERENTIAL"];

  it.each(modes)("unknown column: 42703 at the column (%s)", (refreshMode) => {
    const response = create("SELECT id, nope FROM orders", { refreshMode });
    expect(response.error).toEqual({
      code: "UndefinedColumn", sqlstate: "42703", category: "schema",
      message: 'column "nope" does not exist', detail: null, hint: null, position: 12,
    });
  });

  it("unknown column after multi-byte text: 42703 at its character position", () => {
    const query = "SELECT 'ü' AS u, nope FROM orders";
    expect(create(query).error).toMatchObject({ sqlstate: "42703", position: 18 });
    expect(textAt(query, 18).startsWith("nope")).toBe(true);
  });

  it("unknown column in WHERE: 42703", () => {
    expect(create("SELECT id FROM orders WHERE nope > 1").error).toMatchObject({ sqlstate: "42703", position: 29 });
  });

  it.each(modes)("unknown table: 42P01 at the table (%s)", (refreshMode) => {
    expect(create("SELECT id FROM nope", { refreshMode }).error).toEqual({
      code: "UndefinedTable", sqlstate: "42P01", category: "schema",
      message: 'relation "nope" does not exist', detail: null, hint: null, position: 16,
    });
  });

  it("unknown qualifier: 42P01 missing FROM-clause entry", () => {
    expect(create("SELECT id FROM orders o WHERE orders.id > 1").error).toMatchObject({
      sqlstate: "42P01", message: 'missing FROM-clause entry for table "orders"', position: 31,
    });
  });

  it("unknown qualifier of a star: 42P01", () => {
    expect(create("SELECT x.* FROM orders").error).toMatchObject({ sqlstate: "42P01", position: 8 });
  });

  // ORDER BY is dropped from the stored result, but its names must still resolve.
  it("unknown column in ORDER BY: 42703", () => {
    expect(create("SELECT id FROM orders ORDER BY nope").error).toMatchObject({ sqlstate: "42703", position: 32 });
  });

  it.each([
    ["SELECT id, id FROM orders", "id"],
    ["SELECT customer, count(*), count(note) FROM orders GROUP BY customer", "count"],
    ["SELECT id AS a, note AS a FROM orders", "a"],
  ])("duplicate output names: 42701 (%s)", (query, name) => {
    expect(create(query).error).toEqual({
      code: "DuplicateColumn", sqlstate: "42701", category: "user",
      message: `column "${name}" specified more than once`, detail: null,
      hint: "Give each output column of the defining query a distinct name with AS.", position: 0,
    });
  });

  it.each(["SELECT id AS __pgt_x FROM orders", "SELECT customer, count(*) AS __pgt_count FROM orders GROUP BY customer"])(
    "reserved __pgt_ output names: 42939 (%s)", (query) => {
      expect(create(query).error).toMatchObject({
        code: "ReservedColumnName", sqlstate: "42939", message: expect.stringMatching(/^column name "__pgt_\w+" is reserved$/),
        detail: "Column names starting with __pgt_ are reserved for pg_trickle's hidden columns.", hint: "Rename the column with AS.",
      });
    });

  it("two statements: 42601", () => {
    expect(create("SELECT id FROM orders; SELECT n FROM events").error).toEqual({
      code: "SyntaxError", sqlstate: "42601", category: "user",
      message: "the defining query must be exactly one SELECT statement", detail: "It contains 2 statements.", hint: null, position: 0,
    });
  });

  it.each([
    ["DELETE FROM orders", "Found DeleteStmt."],
    ["INSERT INTO orders (id) VALUES (1)", "Found InsertStmt."],
    ["CREATE TABLE x (a int)", "Found CreateStmt."],
  ])("a statement that is not a SELECT: 42601 (%s)", (query, detail) => {
    expect(create(query).error).toMatchObject({ sqlstate: "42601", message: "the defining query must be a SELECT statement", detail });
  });

  it.each([
    ["SELECT id INTO t FROM orders", "the defining query must not use SELECT INTO", "Remove the INTO clause; the stream table stores the result."],
    ["SELECT id FROM orders FOR UPDATE", "the defining query must not use FOR UPDATE or FOR SHARE",
      "Remove the locking clause; refreshes read the sources without locking rows."],
  ])("SELECT forms no refresh mode supports: 0A000 (%s)", (query, message, hint) => {
    for (const refreshMode of modes) {
      expect(create(query, { refreshMode }).error).toMatchObject({ sqlstate: "0A000", message, hint });
    }
  });

  it.each(["orders", "public.orders", "st", "PUBLIC.V"])("an existing relation as the name: 42P07 (%s)", (name) => {
    const relation = name.toLowerCase().replace(/^public\./, "");
    expect(create("SELECT id FROM orders", { name }).error).toEqual({
      code: "DuplicateTable", sqlstate: "42P07", category: "schema",
      message: `relation "public.${relation}" already exists`, detail: null,
      hint: "Drop it first, or choose another name for the stream table.", position: 0,
    });
  });

  it("a name with three parts: 22023", () => {
    expect(create("SELECT id FROM orders", { name: "db.public.x" }).error).toMatchObject({
      sqlstate: "22023", message: 'invalid stream table name "db.public.x"', hint: "Give the name as 'table' or 'schema.table'.",
    });
  });

  it("a request without a parse tree: an internal protocol error", () => {
    const request = createRequest("SELECT id FROM orders");
    delete request.parseTreeJson;
    expect(engine.callJson(request).error).toMatchObject({ code: "InternalProtocol", sqlstate: "XX000" });
  });
});

describe("the stream table's name", () => {
  it.each([
    ["daily_totals", '"public"."daily_totals"'],
    ["Daily_Totals", '"public"."daily_totals"'],
    ['"Daily Totals"', '"public"."Daily Totals"'],
    ["analytics.daily", '"analytics"."daily"'],
    ['"we""ird".x', '"we""ird"."x"'],
  ])("%s is stored as %s", (name, storage) => {
    const result = created("SELECT id FROM orders", { name });
    expect(result.storage).toBe(storage);
    expect(result.program.storage).toBe(storage);
    expect(result.statements[0].sql.startsWith(`CREATE TABLE ${storage} AS\n`)).toBe(true);
  });
});

/**
 * The whole answer of a create as one SQL document: the statements, then the refresh program.
 * The catalog row's program literal is checked to be exactly the returned program and shown as
 * a placeholder, since the program follows in full.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function planDocument(query: string, result: any): string {
  const parts = [`-- ${query.replaceAll("\n", "\n-- ")}\n-- refreshMode ${result.refreshMode}; operatorTree ${result.program.operatorTree}`];
  const statements: EngineStatement[] = result.statements;
  statements.forEach((s, i) => {
    let sql = s.sql;
    if (sql.startsWith("INSERT INTO pgtrickle.pgt_stream_tables")) {
      const literal = /'((?:[^']|'')*)'::jsonb\)$/.exec(sql);
      expect(literal).not.toBeNull();
      expect(JSON.parse(literal![1].replaceAll("''", "'"))).toEqual(result.program);
      sql = sql.replace(literal![0], "'<the program below>'::jsonb)");
    }
    parts.push(`-- statement ${i + 1} (counting ${s.counting})\n${sql};`);
  });
  if (result.program.probe) parts.push(`-- program.probe\n${result.program.probe};`);
  result.program.full.forEach((s: EngineStatement, i: number) => parts.push(`-- program.full ${i + 1} (counting ${s.counting})\n${s.sql};`));
  result.program.differential.forEach((s: EngineStatement, i: number) =>
    parts.push(`-- program.differential ${i + 1} (counting ${s.counting})\n${s.sql};`));
  return parts.join("\n\n") + "\n";
}

/** Every SQL text of a create's answer: what the shim runs now and what refreshes will run. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
/** The INSERT of a program's FULL refresh. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function insertOf(program: any): string {
  return program.full.find((s: EngineStatement) => s.sql.startsWith("INSERT")).sql;
}

function allSql(result: any): string[] {
  return [
    ...result.statements.map((s: EngineStatement) => s.sql),
    ...(result.program.probe ? [result.program.probe] : []),
    ...result.program.full.map((s: EngineStatement) => s.sql),
    ...result.program.differential.map((s: EngineStatement) => s.sql),
  ];
}

const EXPRESSIONS_QUERY = `SELECT id,
       customer + 1 AS next_customer,
       CASE WHEN amount > 100 THEN 'big' WHEN amount IS NULL THEN NULL ELSE 'small' END AS size,
       CASE customer WHEN 1 THEN 'one' END AS customer_name,
       amount::int AS whole,
       CAST(amount AS numeric(10, 2)) AS rounded,
       note::varchar(20)[] AS notes,
       lower(note),
       pg_catalog.upper(note) AS shout,
       coalesce(note, '') AS note_or_empty,
       nullif(customer, 0) AS customer_or_null,
       greatest(customer, 0) AS at_least_zero,
       -amount AS negated,
       abs(customer) AS magnitude,
       note COLLATE "C" AS sortable,
       ARRAY[customer, id] AS pair,
       'it''s' AS quoted
  FROM orders
 WHERE customer IN (1, 2, 3)
   AND customer NOT IN (7)
   AND amount BETWEEN 10 AND 20
   AND amount NOT BETWEEN SYMMETRIC 15 AND 14
   AND note IS DISTINCT FROM 'x'
   AND customer IS NOT DISTINCT FROM 4
   AND note LIKE 'a%'
   AND note NOT ILIKE '%z'
   AND (note IS NOT NULL OR NOT (customer > 5))
   AND (amount > 0) IS TRUE
   AND customer = ANY (ARRAY[4, 5])`;

describe("generated statements", () => {
  // One query per kind of plan. The file snapshot shows the exact SQL; the assertions say what it means.
  const PLANS: { file: string; query: string; overrides?: Record<string, unknown> }[] = [
    { file: "keyed-projection.sql", query: "SELECT id, amount FROM orders WHERE amount > 10" },
    { file: "keyed-projection-hidden-key.sql", query: "SELECT customer, lower(note) AS note FROM orders" },
    { file: "keyed-projection-pg16.sql", query: "SELECT id, amount FROM orders WHERE amount > 10", overrides: { serverVersion: 160004 } },
    { file: "keyless-projection.sql", query: "SELECT kind, n FROM events WHERE n > 0" },
    { file: "group-by.sql", query: "SELECT customer, count(*) AS orders, count(note) AS noted, sum(amount) AS total FROM orders GROUP BY customer" },
    { file: "group-by-expression.sql", query: "SELECT customer + 1 AS next_customer, sum(amount) * 2 AS doubled FROM orders GROUP BY customer" },
    { file: "aggregate-without-group-by.sql", query: "SELECT count(*) AS n, sum(amount) AS total FROM orders WHERE amount > 100" },
    { file: "distinct.sql", query: "SELECT DISTINCT customer, lower(note) AS note FROM orders" },
    { file: "expressions.sql", query: EXPRESSIONS_QUERY },
    { file: "inner-join-aggregate.sql", query: "SELECT e.kind, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN events e ON e.n = o.customer WHERE o.amount > 0 GROUP BY e.kind" },
    { file: "left-join-projection.sql", query: "SELECT o.id, o.note, e.kind FROM orders o LEFT JOIN events e ON e.n = o.customer" },
    { file: "grouping-subquery-join.sql", query: "SELECT o.id, s.n FROM orders o LEFT JOIN (SELECT kind, count(*) AS n FROM events GROUP BY kind) AS s ON s.kind = o.note" },
    { file: "window-over-join.sql", query: "SELECT o.id, rank() OVER (PARTITION BY e.kind ORDER BY o.amount, o.id) AS r FROM orders o JOIN events e ON e.n = o.customer" },
    { file: "not-in-subquery.sql", query: "SELECT o.id FROM orders o WHERE o.customer NOT IN (SELECT e.n FROM events e WHERE e.kind = o.note)" },
    { file: "full-refresh.sql", query: "SELECT id FROM orders LIMIT 10;" },
    { file: "topk.sql", query: "SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 10;" },
    {
      file: "recursive-immediate.sql", overrides: { refreshMode: "IMMEDIATE" },
      query: "WITH RECURSIVE walk (id, depth) AS (SELECT id, 1 FROM orders WHERE customer IS NULL UNION ALL SELECT o.id, w.depth + 1 FROM orders o JOIN walk w ON o.customer = w.id) SELECT id, depth FROM walk",
    },
  ];

  it.each(PLANS)("$file matches its snapshot and parses", async ({ file, query, overrides }) => {
    const result = created(query, overrides);
    for (const sql of allSql(result)) expect(parses(sql), sql).toBe(true);
    await expect(planDocument(query, result)).toMatchFileSnapshot(`__snapshots__/create/${file}`);
  });

  it("a FULL refresh drops the row-id index for the bulk insert and builds it again after", () => {
    expect(created("SELECT id FROM orders").program.full.map((s: EngineStatement) => s.sql.split("\n")[0])).toEqual([
      'TRUNCATE "public"."new_st"',
      'DROP INDEX IF EXISTS "public"."new_st___pgt_row_id_idx"',
      'INSERT INTO "public"."new_st" ("id", "__pgt_row_id")',
      'CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id)',
    ]);
  });

  it("every stream table gets storage, a guard trigger, a comment and its catalog rows, in that order", () => {
    const kinds = created("SELECT id FROM orders").statements.map((s: EngineStatement) => s.sql.split(/[\s(]/).slice(0, 3).join(" "));
    expect(kinds).toEqual([
      "CREATE TABLE \"public\".\"new_st\"", "CREATE INDEX \"new_st___pgt_row_id_idx\"",
      "CREATE TABLE pgtrickle_changes.\"changes_16384\"", "CREATE INDEX ON", "COMMENT ON TABLE",
      "CREATE OR REPLACE", "CREATE TRIGGER pgtrickle_capture_insert", "CREATE TRIGGER pgtrickle_capture_update",
      "CREATE TRIGGER pgtrickle_capture_delete", "CREATE TRIGGER pgtrickle_capture_truncate",
      "CREATE TRIGGER pgtrickle_guard", "COMMENT ON TABLE", "INSERT INTO pgtrickle.pgt_stream_tables", "INSERT INTO pgtrickle.pgt_dependencies",
    ]);
  });

  it("a keyed projection identifies rows by the source's primary key", () => {
    const result = created("SELECT customer, amount FROM orders");
    const [merge] = result.program.differential;
    expect(merge.counting).toBe("returned");
    // The key is not an output, so it is stored in a hidden column and the MERGE matches on it.
    expect(insertOf(result.program).startsWith('INSERT INTO "public"."new_st" ("customer", "amount", "__pgt_key_1", "__pgt_row_id")')).toBe(true);
    expect(merge.sql).toContain('ON st.__pgt_row_id = d.__pgt_row_id AND st."__pgt_key_1" = d.__pgt_dk_1');
    // Netting per key: only the last image (highest seq) of each key counts.
    expect(merge.sql).toContain('SELECT DISTINCT ON (l."id") l.*\n  FROM __pgt_w AS l\n  ORDER BY l."id", l.__pgt_seq DESC');
  });

  it("a keyed projection reuses a visible column that is exactly the key, under its output name", () => {
    const merge = created("SELECT id AS order_id, amount FROM orders").program.differential.find(isDeltaStatement).sql;
    expect(merge).toContain('AND st."order_id" = d.__pgt_dk_1');
    expect(merge).not.toContain("__pgt_key_1");
  });

  it("a keyless projection counts duplicates and deletes stored copies by ctid", () => {
    const result = created("SELECT kind FROM events");
    const [statement] = result.program.differential;
    expect(statement.counting).toBe("returned");
    expect(statement.sql).toContain("HAVING sum(w.__pgt_sign) <> 0");
    expect(statement.sql).toContain('s2."kind" IS NOT DISTINCT FROM n."kind"');
    expect(statement.sql).toContain("LIMIT -n.__pgt_count");
    expect(statement.sql).toContain("generate_series(1, d.__pgt_count)");
  });

  it("an aggregate keeps hidden state per aggregate and deletes a group when its count reaches 0", () => {
    const result = created("SELECT customer, count(*) AS n, count(note) AS c, sum(amount) AS s FROM orders GROUP BY customer");
    expect(insertOf(result.program).split("\n")[0]).toBe(
      'INSERT INTO "public"."new_st" ("customer", "n", "c", "s", "__pgt_count", "__pgt_aux_count_1", "__pgt_aux_sum_2", "__pgt_aux_nn_2", "__pgt_row_id")');
    const merge = result.program.differential.find(isDeltaStatement).sql;
    expect(merge).toContain("WHEN MATCHED AND (st.__pgt_count + d.__pgt_count = 0) THEN DELETE");
    expect(merge).toContain('st."customer" IS NOT DISTINCT FROM d.__pgt_key_1');
    // SUM is NULL exactly when no non-NULL input remains.
    expect(merge).toContain('"s" = (CASE WHEN st.__pgt_aux_nn_2 + d.__pgt_aux_nn_2 = 0 THEN NULL');
  });

  it("keeps AVG, MIN/MAX, BOOL_AND/OR and FILTER from state; every other aggregate rescans the groups it touches", () => {
    const query = "SELECT customer, avg(amount) AS a, min(amount) AS lo, max(note) AS hi, bool_and(amount > 0) AS pos, "
      + "bool_or(note IS NULL) AS any_null, count(*) FILTER (WHERE amount > 5) AS big FROM orders GROUP BY customer";
    const result = created(query);
    const insert = insertOf(result.program).split("\n")[0];
    for (const state of ["__pgt_aux_sum_0", "__pgt_aux_nn_0", "__pgt_aux_ext_1", "__pgt_aux_ext_2", "__pgt_aux_nn_3", "__pgt_aux_hits_3", "__pgt_aux_hits_4", "__pgt_aux_count_5"]) {
      expect(insert).toContain(`"${state}"`);
    }
    const merge = result.program.differential.find(isDeltaStatement).sql;
    // AVG divides the kept sum by the kept count; MIN/MAX take the inserted extremum ...
    expect(merge).toContain("/ NULLIF((st.__pgt_aux_nn_0 + d.__pgt_aux_nn_0), 0)::numeric)");
    expect(merge).toContain("LEAST(st.__pgt_aux_ext_1, d.__pgt_ins_1)");
    // ... and rescan only a group whose extremum may have been deleted.
    expect(merge).toContain("(d.__pgt_del_1 IS NOT NULL AND (st.__pgt_aux_ext_1 IS NULL OR d.__pgt_del_1 <= st.__pgt_aux_ext_1))");
    expect(merge).toContain("d.__pgt_del_2 >= st.__pgt_aux_ext_2");
    expect(merge).toContain("WHEN MATCHED AND d.__pgt_rescan THEN");
    expect(merge).toContain("WHEN NOT MATCHED AND NOT d.__pgt_rescan AND d.__pgt_count > 0 THEN");

    for (const rescanned of ["count(DISTINCT note)", "string_agg(note, ',' ORDER BY note)", "stddev(amount)", "percentile_cont(0.5) WITHIN GROUP (ORDER BY amount)"]) {
      const program = created(`SELECT customer, ${rescanned} AS x FROM orders GROUP BY customer`).program;
      expect(program.operatorTree).toBe("Aggregate(Scan(public.orders))");
      const sql = program.differential.find(isDeltaStatement).sql;
      expect(sql, rescanned).toContain("true AS __pgt_rescan");
      expect(sql, rescanned).not.toContain("WHEN MATCHED THEN");
    }
  });

  it("HAVING: a stored group is updated and deleted when it fails; a group that is not stored is rescanned", () => {
    const merge = created("SELECT customer, sum(amount) AS s FROM orders GROUP BY customer HAVING count(*) > 1").program.differential.find(isDeltaStatement).sql;
    expect(merge).toContain("(st.__pgt_row_id IS NULL) AS __pgt_rescan");
    expect(merge).toContain('("count"(*) > 1) AS __pgt_fhaving');
    expect(merge).toContain("OR NOT COALESCE(((st.__pgt_count + d.__pgt_count) > 1), false)) THEN DELETE");
    expect(merge).not.toContain("WHEN NOT MATCHED AND NOT d.__pgt_rescan");
  });

  it("GROUPING SETS, ROLLUP and CUBE keep one row per set and group, told apart by GROUPING() in __pgt_gs", () => {
    const result = created("SELECT customer, note, sum(amount) AS s, GROUPING(customer, note) AS g FROM orders GROUP BY ROLLUP (customer, note)");
    const insert = insertOf(result.program);
    expect(insert).toContain('GROUPING(__pgt_s0."customer", __pgt_s0."note") AS "__pgt_gs"');
    expect(insert).toContain('GROUP BY GROUPING SETS ((__pgt_s0."customer", __pgt_s0."note"), (__pgt_s0."customer"), ())');
    const merge = result.program.differential.find(isDeltaStatement).sql;
    expect(merge).toContain("st.__pgt_gs = d.__pgt_gs");
    // GROUPING(customer, note) is read from the stored bits; the grand total is never deleted.
    expect(merge).toContain("(((d.__pgt_gs >> 1) & 1) << 1) | (((d.__pgt_gs >> 0) & 1) << 0)");
    expect(merge).toContain("st.__pgt_count + d.__pgt_count = 0 AND st.__pgt_gs <> 3");
    expect(created("SELECT customer, note, count(*) AS n FROM orders GROUP BY CUBE (customer, note)").program.full[2].sql)
      .toContain('GROUP BY GROUPING SETS ((__pgt_s0."customer", __pgt_s0."note"), (__pgt_s0."customer"), (__pgt_s0."note"), ())');
  });

  it("reads (a, b) in GROUP BY as keys, and refuses a grouping set key without a column", () => {
    const sets = created("SELECT customer, note, count(*) AS n FROM orders GROUP BY GROUPING SETS ((customer, (note)), ())").program.full[2].sql;
    expect(sets).toContain('GROUP BY GROUPING SETS ((__pgt_s0."customer", __pgt_s0."note"), ())');
    expect(created("SELECT customer, note, count(*) AS n FROM orders GROUP BY (customer, note)").program.full[2].sql).toContain("GROUP BY 1, 2");
    // PostgreSQL folds a constant key into what uses it: it would not turn NULL in the other sets.
    expect(create("SELECT four, x FROM (SELECT customer AS four, 'foo'::text AS x FROM orders) AS t GROUP BY GROUPING SETS (four, x)",
      { refreshMode: "DIFFERENTIAL" }).error).toMatchObject({ sqlstate: "0A000",
      message: "a grouping key without a column in GROUPING SETS, ROLLUP or CUBE is not supported in DIFFERENTIAL mode" });
  });

  it("refuses more grouping sets than pg_trickle.max_grouping_set_branches", () => {
    const cube = "SELECT customer, note, amount, count(*) AS n FROM orders GROUP BY CUBE (customer, note, amount)";
    expect(create(cube, { refreshMode: "DIFFERENTIAL", maxGroupingSetBranches: 8 }).ok).toBe(true);
    expect(create(cube, { refreshMode: "DIFFERENTIAL", maxGroupingSetBranches: 7 }).error).toMatchObject({
      sqlstate: "0A000", message: "more than 7 grouping sets (pg_trickle.max_grouping_set_branches) is not supported in DIFFERENTIAL mode",
    });
  });

  it("stores a repeated grouping set's rows once per repetition, numbered by __pgt_copy", () => {
    const c = created("SELECT customer, count(*) AS n FROM orders GROUP BY GROUPING SETS ((customer), (customer), ())");
    expect(c.statements[0].sql).toContain("GROUP BY GROUPING SETS ((__pgt_s0.\"customer\"), ())");
    expect(c.statements[0].sql).toContain("generate_series(1, CASE GROUPING(__pgt_s0.\"customer\") WHEN 0 THEN 2 ELSE 1 END) AS \"__pgt_copy\"");
    const merge = c.program.differential.find(isDeltaStatement).sql;
    expect(merge).toContain("st.__pgt_copy = d.__pgt_copy");
    // Without keys a set has no GROUPING() to tell it apart: every row is of the one set.
    expect(created("SELECT count(*) AS n FROM orders GROUP BY GROUPING SETS ((), ())").statements[0].sql)
      .toContain("generate_series(1, CASE 0 WHEN 0 THEN 2 ELSE 1 END) AS \"__pgt_copy\"");
  });

  it("an aggregate without GROUP BY keeps its one row, even when every input row is gone", () => {
    const merge = created("SELECT count(*) AS n FROM orders").program.differential.find(isDeltaStatement).sql;
    expect(merge).not.toContain("THEN DELETE");
    expect(merge).toContain("HAVING count(*) > 0");
    expect(merge).toContain("0::bigint AS __pgt_row_id");
  });

  it("the same aggregate twice is maintained once", () => {
    const full = created("SELECT count(amount) AS a, count(amount) AS b FROM orders").program.full.find((s: EngineStatement) => s.sql.startsWith("INSERT")).sql;
    expect([...new Set(full.match(/__pgt_aux_\w+/g))]).toEqual(["__pgt_aux_count_0"]);
  });

  it("before PostgreSQL 17 the MERGE returns no counts (no RETURNING merge_action())", () => {
    const [pg16] = created("SELECT id FROM orders", { serverVersion: 160004 }).program.differential;
    const [pg17] = created("SELECT id FROM orders", { serverVersion: 170000 }).program.differential;
    expect(pg16.counting).toBe("none");
    expect(pg16.sql).not.toContain("merge_action()");
    expect(pg17.counting).toBe("returned");
    expect(pg17.sql).toContain("RETURNING merge_action() AS action");
  });

  it("a FULL program re-runs the query as written, without its trailing semicolons", () => {
    const result = created("SELECT id FROM orders LIMIT 5 ;; \n");
    expect(result.program.full).toEqual([
      { sql: 'TRUNCATE "public"."new_st"', counting: "none" },
      { sql: 'INSERT INTO "public"."new_st"\nSELECT * FROM (\nSELECT id FROM orders LIMIT 5\n) AS __pgt_q', counting: "inserted" },
    ]);
  });

  // The embedded statement is cut by its stmt_location/stmt_len, so a trailing comment stays out.
  it("a FULL program survives a comment after the query's semicolon", () => {
    for (const sql of allSql(created("SELECT id FROM orders LIMIT 5; -- top five"))) expect(parses(sql), sql).toBe(true);
  });

  it("records a view source as VIEW with nothing captured", () => {
    const sqls = created("SELECT id, amount FROM v").statements.map((s: EngineStatement) => s.sql);
    expect(sqls.at(-1)).toBe("INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)\n"
      + "SELECT pgt_id, 16400, 'VIEW', ARRAY[]::text[], 'none'\nFROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '\"public\".\"new_st\"'::regclass");
  });

  it("captures a stream table source like a table and records it as STREAM_TABLE", () => {
    const result = created("SELECT customer, total FROM st", { refreshMode: "DIFFERENTIAL" });
    const sqls = result.statements.map((s: EngineStatement) => s.sql);
    expect(result.warnings).toEqual([]);
    expect(sqls.some((sql: string) => sql.startsWith('CREATE TRIGGER pgtrickle_capture_insert AFTER INSERT ON "public"."st"'))).toBe(true);
    expect(sqls.at(-1)).toContain("SELECT pgt_id, 16410, 'STREAM_TABLE', ARRAY[");
    expect(sqls.at(-1)).toContain("'trigger'");
  });

  it("stores the schedule and the query text as literals", () => {
    const query = "SELECT id FROM orders WHERE note = 'it''s'";
    const row = created(query, { schedule: "1h30m" }).statements.at(-2).sql;
    expect(row).toContain(`VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', ${sqlLiteral(query)}, ${sqlLiteral(query)},\n  '1h30m', `);
  });
});

describe("change capture", () => {
  const captureOf = (result: { statements: EngineStatement[] }) =>
    result.statements.map((s) => s.sql).filter((s) => !s.startsWith("INSERT INTO pgtrickle.") && s.includes("pgtrickle_changes."));

  it("widens an existing buffer with the missing columns only", async () => {
    const engineWithBuffer = await loadEngine(createCatalog({ buffers: { [ORDERS.oid]: ["amount", "id"] } }));
    const result = engineWithBuffer.callJson(createRequest("SELECT customer, amount FROM orders")).result;
    const capture = captureOf(result);
    expect(capture[0]).toBe('ALTER TABLE pgtrickle_changes."changes_16384" ADD COLUMN "customer" integer');
    expect(capture[1]).toContain('INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "amount", "id", "customer") SELECT \'I\', "amount", "id", "customer" FROM __pgt_new;');
    expect(capture.length).toBe(2);
    // The new program still reads only what this stream table needs.
    expect(result.program.sources[0].columns).toEqual(["customer", "amount", "id"]);
  });

  it("touches nothing when the buffer already captures every needed column", async () => {
    const engineWithBuffer = await loadEngine(createCatalog({ buffers: { [ORDERS.oid]: ["id", "customer", "amount", "note"] } }));
    expect(captureOf(engineWithBuffer.callJson(createRequest("SELECT customer FROM orders")).result)).toEqual([]);
  });

  it("types buffer columns as the source does", () => {
    const buffer = captureOf(created("SELECT ts, kind, n FROM events"))[0];
    expect(buffer).toContain('"ts" timestamp with time zone,\n  "kind" text,\n  "n" bigint\n)');
  });
});
