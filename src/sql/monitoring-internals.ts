/**
 * @fileoverview The internals the monitoring surface (monitoring.ts) is built from: how its
 * functions and views are declared, the stream-table name resolver, the pending-change counter,
 * EXPLAIN ANALYZE under a stream table's search_path, the scheduler probe, and the dependency
 * graph (edges, and DOT for one stream table). Their names start with `_`: not part of SQL API §2.
 *
 * SQL-standard bodies are bound when created, so they need no pinned search_path. PL/pgSQL bodies
 * qualify every name; those that run dynamic SQL also pin `pg_catalog, pg_temp`, except the name
 * resolver, which must see the caller's search_path as the C functions do. Nothing here is worth a
 * parallel plan, so every function keeps PostgreSQL's default PARALLEL UNSAFE.
 */
import { grant, parameter, type FunctionParameter, type SqlFunction, type View } from "./declare.ts";

// The schemas of catalog.ts, which imports monitoring.ts and so cannot be imported from here.
/** The extension's schema. */
export const S = "pgtrickle";
/** The schema of the change buffers. */
export const C = "pgtrickle_changes";

/** How a change-buffer window is bound: frontier fields as in the C shim's refresh ($1..$4). */
const frontierArguments = "frontier->>'snapshot', frontier->>'xmin', frontier->>'own_xid', frontier->>'own_seq'";

const pinnedSearchPath = [{ name: "search_path", value: "pg_catalog, pg_temp" }];

/** A STABLE (unless told) SECURITY INVOKER function of the extension schema. */
export function readingFunction(spec: {
  name: string;
  parameters?: readonly FunctionParameter[];
  returns?: string;
  language: "sql" | "plpgsql";
  body: string;
  comment: string;
  volatility?: "stable" | "volatile";
  security?: "invoker" | "definer";
  /** Pin search_path to pg_catalog, pg_temp while it runs (PL/pgSQL bodies that need no caller's path). */
  pinSearchPath?: boolean;
  /** Internal helpers keep PostgreSQL's default EXECUTE for PUBLIC without an explicit grant. */
  internal?: boolean;
}): SqlFunction {
  const parameters = spec.parameters ?? [];
  const standard = spec.language === "sql";
  return {
    kind: "function",
    schema: S,
    name: spec.name,
    parameters,
    returns: spec.returns ?? "SETOF record",
    language: spec.language,
    body: standard ? { kind: "sql_standard", text: spec.body } : { kind: "string", text: spec.body },
    volatility: spec.volatility ?? "stable",
    strict: false,
    security: spec.security ?? "invoker",
    parallel: "unsafe",
    ...(spec.pinSearchPath ? { settings: pinnedSearchPath } : {}),
    comment: spec.comment,
    privileges: spec.internal ? [] : [grant("EXECUTE", "PUBLIC")],
  };
}

/** A view readable by everyone. */
export function readingView(name: string, columns: readonly [string, string][], query: string, comment: string): View {
  return {
    kind: "view",
    schema: S,
    name,
    columns: columns.map(([columnName, type]) => ({ name: columnName, type })),
    query,
    comment,
    privileges: [grant("SELECT", "PUBLIC")],
  };
}

/** The statement that fails with 42P01 when `fn`'s name argument is not a stream table. */
export function requireStreamTable(fn: string): string {
  return `SELECT ${S}._stream_table_id(${fn}.name);`;
}

/* ---- helpers -------------------------------------------------------------------------------- */

/** `_stream_table_id(name)`: resolves a name argument, or raises the C functions' 42P01 (22023 for NULL). */
export const streamTableId = readingFunction({
  name: "_stream_table_id",
  parameters: [parameter("name", "text")],
  returns: "bigint",
  language: "plpgsql",
  internal: true,
  body: `
DECLARE
    found_id bigint;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'name must not be NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT st.pgt_id INTO found_id FROM ${S}.pgt_stream_tables AS st WHERE st.pgt_relid = pg_catalog.to_regclass(name);
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table', HINT = 'pgtrickle.pgt_stream_tables lists the stream tables.';
    END IF;
    RETURN found_id;
END
`,
  comment: "The pgt_id of the stream table called name (resolved like a table name); 42P01 when there is none.",
});

/** `_scheduler_pid()`: the scheduler backend of this database, as the scheduler names itself in pg_stat_activity. */
export const schedulerPid = readingFunction({
  name: "_scheduler_pid",
  returns: "integer",
  language: "sql",
  internal: true,
  body: `RETURN (SELECT min(a.pid) FROM pg_catalog.pg_stat_activity AS a
            WHERE a.backend_type = 'pg_trickle scheduler' AND a.datname = pg_catalog.current_database())`,
  comment: "The process id of the pg_trickle scheduler serving this database, NULL when none runs.",
});

/**
 * `_pending_changes(buffer, frontier)`: the buffer rows in a stream table's window. SECURITY
 * DEFINER: the buffers live in pgtrickle_changes, which only the extension's owner may read;
 * callers learn a count, as pg_stat_user_tables already tells everyone. The buffer is checked to be
 * a change buffer so the function cannot count rows of any other table.
 */
export const pendingChanges = readingFunction({
  name: "_pending_changes",
  parameters: [parameter("buffer", "regclass"), parameter("frontier", "jsonb")],
  returns: "bigint",
  language: "plpgsql",
  security: "definer",
  pinSearchPath: true,
  internal: true,
  body: `
DECLARE
    pending bigint;
BEGIN
    IF buffer IS NULL THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_class AS c WHERE c.oid = buffer AND c.relnamespace = '${C}'::regnamespace) THEN
        RAISE EXCEPTION '% is not a pg_trickle change buffer', buffer USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF frontier IS NULL THEN
        -- The next refresh is FULL and its frontier will cover every change now visible.
        EXECUTE format('SELECT count(*) FROM %s', buffer) INTO pending;
    ELSE
        -- The window of src/engine/operators/scan.ts, without an upper bound.
        EXECUTE format('SELECT count(*) FROM %s AS b
                         WHERE b.__pgt_xid >= $2::xid8
                           AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
                                         ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)', buffer)
            INTO pending USING ${frontierArguments};
    END IF;
    RETURN pending;
END
`,
  comment: "The rows of a change buffer that the next refresh of the stream table with this frontier would consume.",
});

/**
 * `_explain_analyze(query, search_path)`. EXPLAIN ANALYZE runs the query, with whatever its
 * functions do: VOLATILE, and PostgreSQL allows EXPLAIN in no other function.
 */
export const explainAnalyze = readingFunction({
  name: "_explain_analyze",
  parameters: [parameter("query", "text"), parameter("search_path", "text")],
  returns: "text",
  language: "plpgsql",
  volatility: "volatile",
  pinSearchPath: true,
  internal: true,
  body: `
DECLARE
    line text;
    plan text[] := '{}';
BEGIN
    -- Local to this call: the function's own SET clause restores the pinned path on exit.
    PERFORM set_config('search_path', _explain_analyze.search_path, true);
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, FORMAT TEXT) ' || query LOOP
        plan := plan || line;
    END LOOP;
    RETURN array_to_string(plan, E'\\n');
END
`,
  comment: "EXPLAIN (ANALYZE, FORMAT TEXT) of query, run with the given search_path, as one text.",
});

/* ---- the dependency graph -------------------------------------------------------------------- */

/** A stream table's `schema.name`, as pg_stat_stream_tables spells it. */
export function stName(alias: string): string {
  return `${alias}.pgt_schema || '.' || ${alias}.pgt_name`;
}

/**
 * `_dependency_edges`: one row per (stream table, source). A stream table read by another is
 * recorded with its relkind's source_type, so it is recognised by relid. Source names take the
 * default collation of stream-table names, not pg_class's "C".
 */
export const dependencyEdges = readingView(
  "_dependency_edges",
  [
    ["pgt_id", "bigint"], ["stream_table", "text"], ["source_relid", "oid"], ["source_name", "text"],
    ["source_type", "text"], ["source_pgt_id", "bigint"], ["cdc_mode", "text"], ["buffer_relid", "oid"],
  ],
  `SELECT d.pgt_id,
       ${stName("st")},
       d.source_relid,
       coalesce(${stName("source_st")}, n.nspname || '.' || c.relname, d.source_relid::text) COLLATE "default",
       CASE WHEN source_st.pgt_id IS NOT NULL THEN 'STREAM_TABLE' ELSE d.source_type END,
       source_st.pgt_id,
       d.cdc_mode,
       buffer.oid
  FROM ${S}.pgt_dependencies AS d
  JOIN ${S}.pgt_stream_tables AS st ON st.pgt_id = d.pgt_id
  LEFT JOIN ${S}.pgt_stream_tables AS source_st ON source_st.pgt_relid = d.source_relid
  LEFT JOIN pg_catalog.pg_class AS c ON c.oid = d.source_relid
  LEFT JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_class AS buffer
         ON buffer.relnamespace = '${C}'::regnamespace AND buffer.relname = 'changes_' || d.source_relid`,
  "Internal: one row per (stream table, source) with the source's name, whether it is a stream table, and its change buffer.",
);

/** A DOT identifier for the text expression `expr`. */
function dotId(expr: string): string {
  return `'"' || replace(${expr}, '"', '\\"') || '"'`;
}

/** `_dependency_graph_dot(pgt_id)`: a stream table and everything it reads, transitively, in DOT. */
export const dependencyGraphDot = readingFunction({
  name: "_dependency_graph_dot",
  parameters: [parameter("pgt_id", "bigint")],
  returns: "text",
  language: "sql",
  internal: true,
  body: `BEGIN ATOMIC
WITH RECURSIVE upstream AS (
    SELECT e.pgt_id, e.stream_table, e.source_name, e.source_pgt_id, ARRAY[e.pgt_id] AS visited
      FROM ${S}._dependency_edges AS e
     WHERE e.pgt_id = _dependency_graph_dot.pgt_id
    UNION ALL
    SELECT e.pgt_id, e.stream_table, e.source_name, e.source_pgt_id, u.visited || e.pgt_id
      FROM upstream AS u
      JOIN ${S}._dependency_edges AS e ON e.pgt_id = u.source_pgt_id
     WHERE e.pgt_id <> ALL (u.visited)
), statements AS (
    -- Stream tables are boxes; plain sources keep the default ellipse.
    SELECT 1 AS kind, ${dotId(stName("st"))} || ' [shape=box];' AS line
      FROM ${S}.pgt_stream_tables AS st
     WHERE st.pgt_id = _dependency_graph_dot.pgt_id OR st.pgt_id IN (SELECT u.source_pgt_id FROM upstream AS u)
    UNION
    SELECT 2, ${dotId("u.source_name")} || ' -> ' || ${dotId("u.stream_table")} || ';' FROM upstream AS u
)
SELECT 'digraph pg_trickle {' || chr(10) || string_agg('  ' || s.line, chr(10) ORDER BY s.kind, s.line) || chr(10) || '}'
  FROM statements AS s;
END`,
  comment: "The graph of a stream table and everything it reads, transitively, in Graphviz DOT.",
});
