/**
 * @fileoverview The catalog both test hosts answer from: what PostgreSQL would return for the
 * engine's catalog requests, without a database. Every request kind answered here must also work
 * in the backend, where host.query runs the request's "sql" with the request as $1 (jsonb).
 * Add a case per request kind the engine learns to send.
 *
 * The default catalog (search_path = public) holds:
 *   public.orders  (id integer PRIMARY KEY, customer integer, amount numeric, note text)  oid 16384
 *   public.events  (ts timestamptz, kind text, n bigint), no primary key                  oid 16390
 *   public.v       a view (id integer, amount numeric) of orders with amount > 0           oid 16400
 *   public.st      a differentiable stream table reading orders                             oid 16410
 *   public.st_top  a FULL stream table reading orders                                       oid 16420
 * and the functions count/sum/avg/min/max/bool_and/bool_or/string_agg/stddev/percentile_cont (aggregates), lower/upper/abs (immutable),
 * random (volatile), now and to_char (stable) and row_number (window), all in pg_catalog. COALESCE,
 * GREATEST, LEAST and NULLIF are grammar constructs, not functions, exactly as in PostgreSQL.
 * `createCatalog` builds variants (change buffers, other stream tables, ...).
 */

import { loadModule, parseSync } from "libpg-query";

await loadModule();

/** A catalog request as the engine sends it. */
export interface CatalogRequest { kind: string; sql: string; [member: string]: unknown }

/** A column as analyze/catalog.ts expects it: format_type spelling of the type. */
export interface FixtureColumn { name: string; type: string; notNull: boolean }

/** A pg_class entry (tables, views, stream tables' storage). */
export interface FixtureRelation {
  oid: string;
  schema: string;
  name: string;
  relkind: string;
  isStreamTable?: boolean;
  hasChildren?: boolean;
  columns: FixtureColumn[];
  primaryKey: string[];
  /** A view's query, as pg_get_viewdef prints it. */
  definition?: string;
}

/** A pg_proc entry: prokind 'f' | 'a' | 'w' | 'p', provolatile 'i' | 's' | 'v'. */
export interface FixtureFunction { schema: string; name: string; kind: string; volatility: string }

/** A pgt_stream_tables row with its dependencies, as the streamTable question returns it. */
export interface FixtureStreamTable {
  pgtId: string;
  relid: string;
  schema: string;
  name: string;
  refreshMode: string;
  requestedMode: string;
  status: string;
  program: unknown;
  /** cdcMode defaults to 'trigger' (a differential reader with change capture). */
  sources: { oid: string; otherConsumers: number; cdcMode?: string }[];
}

/** Everything a fixture catalog knows. */
export interface CatalogConfig {
  relations: FixtureRelation[];
  functions: FixtureFunction[];
  /** Schemas searched for unqualified names, after pg_catalog; the first is current_schema(). */
  searchPath: string[];
  /** Per source oid: the source columns its change buffer already captures. */
  buffers: Record<string, string[]>;
  streamTables: FixtureStreamTable[];
  /**
   * Per pgt_id: what its last refreshes cost (the refreshCosts question), newest first — FULL
   * durations in ms and DIFFERENTIAL [changes, ms] pairs; none by default.
   */
  refreshCosts?: Record<string, {
    fulls?: number[]; differentials?: [number, number][]; fullsSinceDifferential?: number; fullMsSinceDifferential?: number; sinceFull?: number;
  }>;
}

const column = (name: string, type: string, notNull = false): FixtureColumn => ({ name, type, notNull });

/** public.orders: a table with a primary key. */
export const ORDERS: FixtureRelation = {
  oid: "16384", schema: "public", name: "orders", relkind: "r",
  columns: [column("id", "integer", true), column("customer", "integer"), column("amount", "numeric"), column("note", "text")],
  primaryKey: ["id"],
};

/** public.events: a table without a primary key. */
export const EVENTS: FixtureRelation = {
  oid: "16390", schema: "public", name: "events", relkind: "r",
  columns: [column("ts", "timestamp with time zone"), column("kind", "text"), column("n", "bigint")],
  primaryKey: [],
};

/** public.v: a view. */
export const VIEW_V: FixtureRelation = {
  oid: "16400", schema: "public", name: "v", relkind: "v",
  columns: [column("id", "integer"), column("amount", "numeric")],
  primaryKey: [],
  definition: " SELECT orders.id,\n    orders.amount\n   FROM orders\n  WHERE (orders.amount > (0)::numeric);",
};

/** public.st: the storage of a stream table. */
export const STREAM_TABLE_ST: FixtureRelation = {
  oid: "16410", schema: "public", name: "st", relkind: "r", isStreamTable: true,
  columns: [column("customer", "integer"), column("total", "numeric")],
  primaryKey: [],
};

/** public.st_top: the storage of a FULL stream table. */
export const STREAM_TABLE_ST_TOP: FixtureRelation = {
  oid: "16420", schema: "public", name: "st_top", relkind: "r", isStreamTable: true,
  columns: [column("id", "integer"), column("amount", "numeric")],
  primaryKey: [],
};

const fn = (name: string, kind: string, volatility: string, schema = "pg_catalog"): FixtureFunction => ({ schema, name, kind, volatility });

/** The functions of the default catalog. */
export const FUNCTIONS: FixtureFunction[] = [
  fn("count", "a", "i"), fn("sum", "a", "i"), fn("avg", "a", "i"), fn("min", "a", "i"), fn("max", "a", "i"), fn("bool_and", "a", "i"), fn("bool_or", "a", "i"),
  fn("string_agg", "a", "i"), fn("stddev", "a", "i"), fn("percentile_cont", "a", "i"),
  fn("lower", "f", "i"), fn("upper", "f", "i"), fn("abs", "f", "i"),
  fn("random", "f", "v"), fn("now", "f", "s"), fn("row_number", "w", "i"), fn("to_char", "f", "s"),
];

/** The catalog row of public.st (its program abridged to what alter and drop read). */
export const ST_ROW: FixtureStreamTable = {
  pgtId: "1", relid: "16410", schema: "public", name: "st", refreshMode: "DIFFERENTIAL", requestedMode: "AUTO", status: "ACTIVE",
  program: { version: 1, storage: '"public"."st"', differentiable: true, reason: "", operatorTree: "Aggregate(Scan(public.orders))" },
  sources: [{ oid: ORDERS.oid, otherConsumers: 1 }],
};

/** The catalog row of public.st_top: a query that is not differentiable. */
export const ST_TOP_ROW: FixtureStreamTable = {
  pgtId: "2", relid: "16420", schema: "public", name: "st_top", refreshMode: "FULL", requestedMode: "AUTO", status: "ACTIVE",
  program: {
    version: 1, storage: '"public"."st_top"', differentiable: false,
    reason: "LIMIT or OFFSET is not supported in DIFFERENTIAL mode", operatorTree: "Full(query)",
  },
  sources: [{ oid: ORDERS.oid, otherConsumers: 1 }],
};

/** The default catalog's content. */
export function defaultCatalogConfig(): CatalogConfig {
  return {
    relations: [ORDERS, EVENTS, VIEW_V, STREAM_TABLE_ST, STREAM_TABLE_ST_TOP],
    functions: FUNCTIONS,
    searchPath: ["public"],
    buffers: {},
    streamTables: [ST_ROW, ST_TOP_ROW],
    // Refresh histories for AUTO's cost model: 8 mixes sizes and outliers, 9 refreshed FULL for a while.
    refreshCosts: {
      8: { fulls: [100.5, 98.25, 4000], differentials: [[100, 21.5], [110, 19], [1000, 90.125], [100, 900]] },
      9: { fulls: [100], differentials: [[500, 300]], fullsSinceDifferential: 21, fullMsSinceDifferential: 2100.75 },
    },
  };
}

/** A catalog callback for either host: the V8 host passes the parsed request, the native addon its text. */
export type FixtureCatalog = (request: CatalogRequest | string) => string | null;

/** A catalog answering from `config` (merged over the default catalog). */
export function createCatalog(config: Partial<CatalogConfig> = {}): FixtureCatalog {
  const c: CatalogConfig = { ...defaultCatalogConfig(), ...config };
  return (request) => answer(c, typeof request === "string" ? JSON.parse(request) as CatalogRequest : request);
}

const defaultCatalog = createCatalog();

/** Answers one catalog request like the first column of the first row (null: no row or NULL). */
export function catalogFixture(request: CatalogRequest | string): string | null {
  return defaultCatalog(request);
}

function answer(c: CatalogConfig, request: CatalogRequest): string | null {
  switch (request.kind) {
    // `SELECT $1->>'text'`: the request's own "text" member, or NULL when absent.
    case "echo":
      return typeof request.text === "string" ? request.text : null;
    // A query that finds no row.
    case "none":
      return null;
    // to_regclass of (schema.)name, then the relation as JSON; no row when missing.
    case "relation": {
      const rel = findRelation(c, optionalString(request.schema), String(request.name));
      if (rel === undefined) return null;
      return JSON.stringify({
        oid: rel.oid, schema: rel.schema, name: rel.name, relkind: rel.relkind, isStreamTable: rel.isStreamTable ?? false,
        hasChildren: rel.hasChildren ?? false,
        columns: rel.columns, primaryKey: rel.primaryKey,
      });
    }
    // A view's definition (pg_get_viewdef) with its parse tree; no row for anything else.
    case "view": {
      const rel = c.relations.find((r) => r.oid === String(request.oid));
      if (rel === undefined || rel.definition === undefined) return null;
      return JSON.stringify({ definition: rel.definition, parseTreeJson: parseSync(rel.definition) });
    }
    // The cost summary of a stream table's last refreshes (always one row).
    case "refreshCosts": {
      const costs = c.refreshCosts?.[String(request.pgtId)];
      return JSON.stringify({ fulls: [], differentials: [], fullsSinceDifferential: 0, fullMsSinceDifferential: 0, sinceFull: 0, ...costs });
    }
    // The functions called name, in schema or visible on the search path: always a JSON array.
    case "function": {
      const schema = optionalString(request.schema);
      const visible = schema === null ? ["pg_catalog", ...c.searchPath] : [schema];
      const found = c.functions.filter((f) => f.name === request.name && visible.includes(f.schema));
      return JSON.stringify(found.map((f) => ({ schema: f.schema, kind: f.kind, volatility: f.volatility })));
    }
    // parse_ident(name): the parts, the schema (current_schema() for one part) and whether it exists.
    case "target": {
      const parts = parseIdent(String(request.name));
      const schema = parts.length === 2 ? parts[0] : c.searchPath[0];
      const name = parts[parts.length - 1];
      const exists = c.relations.some((r) => r.schema === schema && r.name === name);
      return JSON.stringify({ parts: parts.length, schema, name, exists });
    }
    // The captured columns of a change buffer; no row when the source has no buffer.
    case "buffer": {
      const columns = c.buffers[String(request.sourceOid)];
      return columns === undefined ? null : JSON.stringify(columns);
    }
    // current_schemas(false) as a search_path value.
    case "searchPath":
      return c.searchPath.map((s) => `"${s}"`).join(", ");
    // to_regclass(name) → the stream table whose storage it is; no row otherwise.
    case "streamTable": {
      const parts = parseIdent(String(request.name));
      const rel = parts.length === 2 ? findRelation(c, parts[0], parts[1]) : parts.length === 1 ? findRelation(c, null, parts[0]) : undefined;
      const st = rel === undefined ? undefined : c.streamTables.find((s) => s.relid === rel.oid);
      if (st === undefined) return null;
      return JSON.stringify({ dependents: [], ...st, sources: st.sources.map((s) => ({ cdcMode: "trigger", ...s })) });
    }
    // pg_typeof of a typed NULL (the only expressions the fixture types); of anything else, no
    // answer (the engine then cannot tell the type, and treats it as PostgreSQL's could be anything).
    case "expressionType": {
      const typed = /^SELECT to_json\(pg_typeof\(NULL::([a-z ]+)\)::text\)::text$/.exec(String(request.sql));
      return typed === null ? null : JSON.stringify(typed[1]);
    }
    // pgtrickle._cte_columns: the column names of every CTE, as parse analysis names them — here
    // only its column list, or else the names of its first SELECT's items (AS names, column names).
    case "cteColumns":
      return JSON.stringify(cteColumns(String(request.query)));
    default:
      throw new Error(`catalog fixture has no answer for kind ${JSON.stringify(request.kind)}`);
  }
}

/** Every CommonTableExpr under the parse tree of `query`: where its name starts and its column names. */
function cteColumns(query: string): { location: number; columns: string[] }[] {
  const out: { location: number; columns: string[] }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return; }
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "CommonTableExpr") {
        const cte = value as { location?: number; aliascolnames?: { String: { sval: string } }[]; ctequery: unknown };
        const names = cte.aliascolnames?.map((n) => n.String.sval) ?? firstSelectNames(cte.ctequery);
        out.push({ location: cte.location ?? 0, columns: names });
      }
      visit(value);
    }
  };
  visit(parseSync(query));
  return out;
}

/** The output names of the leftmost SELECT of `statement` (a { SelectStmt } node): AS names, else a column's last name. */
function firstSelectNames(statement: unknown): string[] {
  let select = (statement as { SelectStmt: Record<string, unknown> }).SelectStmt;
  while (select.larg !== undefined) select = select.larg as Record<string, unknown>;
  const targets = (select.targetList ?? []) as { ResTarget: { name?: string; val: { ColumnRef?: { fields: { String?: { sval: string } }[] } } } }[];
  return targets.map(({ ResTarget: t }) => t.name ?? t.val.ColumnRef?.fields.at(-1)?.String?.sval ?? "?column?");
}

function optionalString(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** to_regclass of an already-split name: a schema-qualified name, or the first match on the search path. */
function findRelation(c: CatalogConfig, schema: string | null, name: string): FixtureRelation | undefined {
  const schemas = schema === null ? ["pg_catalog", ...c.searchPath] : [schema];
  for (const s of schemas) {
    const rel = c.relations.find((r) => r.schema === s && r.name === name);
    if (rel !== undefined) return rel;
  }
  return undefined;
}

/** PostgreSQL's parse_ident: dot-separated parts, unquoted ones down-cased, "" inside quotes. */
export function parseIdent(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const fail = (): never => { throw new Error(`string is not a valid identifier: "${text}"`); };
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    let part = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) fail();
        if (text[i] === '"') {
          if (text[i + 1] === '"') { part += '"'; i += 2; continue; }
          i++;
          break;
        }
        part += text[i++];
      }
      if (part.length === 0) fail();
    } else {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[i])) i++;
      if (i === start) fail();
      part = text.slice(start, i).toLowerCase();
    }
    parts.push(part);
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) return parts;
    if (text[i] !== ".") fail();
    i++;
  }
}

/** Builds an echo catalog request: `SELECT $1->>'text'` answers `text` (null when omitted). */
export function echoCatalogRequest(text?: string): string {
  return JSON.stringify({ kind: "echo", sql: "SELECT $1->>'text'", ...(text === undefined ? {} : { text }) });
}
