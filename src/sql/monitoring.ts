/**
 * @fileoverview The monitoring and introspection surface (SQL API §2): functions and views that
 * only read the catalog, the change buffers and pg_stat_activity. `catalog.ts` lists them right
 * after `pg_stat_stream_tables`, whose stale rule they reuse.
 *
 * Name arguments resolve like a table name (`to_regclass`, then `pgt_relid`) through
 * `_stream_table_id`, which raises the same 42P01 error as the C functions. Set-returning SQL
 * functions call it once as a statement of its own before their query: a call inside the query's
 * WHERE clause would never run when the table it filters is empty, and an unknown name would
 * then return nothing instead of failing.
 *
 * How the functions are declared (SQL-standard bodies where SQL suffices, search_path, security)
 * and the helpers they share are in monitoring-internals.ts.
 */
import { parameter, resultColumn, type CatalogObject } from "./declare.ts";
import {
  dependencyEdges,
  dependencyGraphDot,
  explainAnalyze,
  pendingChanges,
  readingFunction,
  readingView,
  requireStreamTable,
  S,
  C,
  schedulerPid,
  stName,
  streamTableId,
} from "./monitoring-internals.ts";
import { quoteLiteral } from "./render.ts";

/** The triggers change capture installs on every captured source (src/engine/cdc/buffer.ts). */
const captureTriggers = ["delete", "insert", "truncate", "update"].map((event) => `pgtrickle_capture_${event}`);

/** Pending changes past this many rows make `health_check` warn, unless pg_trickle.max_buffer_rows says otherwise. */
const defaultMaxBufferRows = 1000000;

/* ---- views ---------------------------------------------------------------------------------- */

const streamTablesInfo = readingView(
  "stream_tables_info",
  [
    ["pgt_id", "bigint"], ["name", "text"], ["pgt_schema", "text"], ["pgt_name", "text"], ["status", "text"],
    ["refresh_mode", "text"], ["requested_mode", "text"], ["schedule", "text"], ["is_populated", "boolean"],
    ["data_timestamp", "timestamp with time zone"], ["last_refresh_at", "timestamp with time zone"],
    ["staleness", "interval"], ["stale", "boolean"], ["consecutive_errors", "integer"], ["needs_reinit", "boolean"],
    ["last_error_message", "text"], ["last_error_at", "timestamp with time zone"], ["downgrade_reason", "text"],
    ["sources", "text[]"], ["created_at", "timestamp with time zone"], ["updated_at", "timestamp with time zone"],
  ],
  `SELECT stat.pgt_id, stat.name, stat.pgt_schema, stat.pgt_name, stat.status, stat.refresh_mode, stat.requested_mode,
       coalesce(stat.schedule, 'calculated'), stat.is_populated, stat.data_timestamp, stat.last_refresh_at,
       stat.staleness, stat.stale, stat.consecutive_errors, st.needs_reinit, st.last_error_message, st.last_error_at,
       st.downgrade_reason,
       coalesce((SELECT array_agg(e.source_name ORDER BY e.source_name)
                   FROM ${S}._dependency_edges AS e WHERE e.pgt_id = st.pgt_id), '{}'),
       st.created_at, st.updated_at
  FROM ${S}.pg_stat_stream_tables AS stat
  JOIN ${S}.pgt_stream_tables AS st ON st.pgt_id = stat.pgt_id`,
  "One row per stream table, for people: name, state, mode, schedule, staleness, errors and sources.",
);

/* ---- functions ------------------------------------------------------------------------------ */

const pgtStatus = readingFunction({
  name: "pgt_status",
  parameters: [
    resultColumn("name", "text"), resultColumn("status", "text"), resultColumn("refresh_mode", "text"),
    resultColumn("is_populated", "boolean"), resultColumn("consecutive_errors", "integer"), resultColumn("schedule", "text"),
    resultColumn("data_timestamp", "timestamp with time zone"), resultColumn("staleness", "interval"), resultColumn("scc_id", "integer"),
  ],
  language: "sql",
  // scc_id: circular dependencies are not supported, so no stream table belongs to a cycle.
  body: `BEGIN ATOMIC
SELECT i.name, i.status, i.refresh_mode, i.is_populated, i.consecutive_errors, i.schedule, i.data_timestamp, i.staleness,
       NULL::integer
  FROM ${S}.stream_tables_info AS i
 ORDER BY i.name;
END`,
  comment: "One row per stream table: its state, mode, schedule and staleness.",
});

/** Milliseconds a history row's refresh took. */
const durationMs = "(extract(epoch FROM h.end_time - h.start_time) * 1000)::double precision";

const getRefreshHistory = readingFunction({
  name: "get_refresh_history",
  parameters: [
    parameter("name", "text"), parameter("max_rows", "integer", "20"),
    resultColumn("refresh_id", "bigint"), resultColumn("data_timestamp", "timestamp with time zone"),
    resultColumn("start_time", "timestamp with time zone"), resultColumn("end_time", "timestamp with time zone"),
    resultColumn("action", "text"), resultColumn("status", "text"), resultColumn("rows_inserted", "bigint"),
    resultColumn("rows_deleted", "bigint"), resultColumn("duration_ms", "double precision"), resultColumn("error_message", "text"),
  ],
  language: "sql",
  body: `BEGIN ATOMIC
${requireStreamTable("get_refresh_history")}
SELECT h.refresh_id, h.data_timestamp, h.start_time, h.end_time, h.action, h.status, h.rows_inserted, h.rows_deleted,
       ${durationMs}, h.error_message
  FROM ${S}.pgt_refresh_history AS h
 WHERE h.pgt_id = ${S}._stream_table_id(get_refresh_history.name)
 ORDER BY h.refresh_id DESC
 LIMIT get_refresh_history.max_rows;
END`,
  comment: "The latest max_rows refreshes of a stream table, newest first.",
});

const refreshTimeline = readingFunction({
  name: "refresh_timeline",
  parameters: [
    parameter("max_rows", "integer", "50"),
    resultColumn("start_time", "timestamp with time zone"), resultColumn("stream_table", "text"), resultColumn("action", "text"),
    resultColumn("status", "text"), resultColumn("rows_inserted", "bigint"), resultColumn("rows_deleted", "bigint"),
    resultColumn("duration_ms", "double precision"), resultColumn("error_message", "text"),
  ],
  language: "sql",
  body: `BEGIN ATOMIC
SELECT h.start_time, ${stName("st")}, h.action, h.status, h.rows_inserted, h.rows_deleted, ${durationMs}, h.error_message
  FROM ${S}.pgt_refresh_history AS h
  JOIN ${S}.pgt_stream_tables AS st ON st.pgt_id = h.pgt_id
 ORDER BY h.start_time DESC, h.refresh_id DESC
 LIMIT refresh_timeline.max_rows;
END`,
  comment: "The latest max_rows refreshes of all stream tables, newest first.",
});

const getStaleness = readingFunction({
  name: "get_staleness",
  parameters: [parameter("name", "text")],
  returns: "double precision",
  language: "sql",
  body: `BEGIN ATOMIC
${requireStreamTable("get_staleness")}
SELECT extract(epoch FROM now() - st.data_timestamp)::double precision
  FROM ${S}.pgt_stream_tables AS st
 WHERE st.pgt_id = ${S}._stream_table_id(get_staleness.name);
END`,
  comment: "Seconds since the stream table's data was current; NULL when it was never populated.",
});

const changeBufferSizes = readingFunction({
  name: "change_buffer_sizes",
  parameters: [
    resultColumn("stream_table", "text"), resultColumn("source_table", "text"), resultColumn("source_oid", "bigint"),
    resultColumn("cdc_mode", "text"), resultColumn("pending_rows", "bigint"), resultColumn("buffer_bytes", "bigint"),
  ],
  language: "sql",
  body: `BEGIN ATOMIC
SELECT e.stream_table, e.source_name, e.source_relid::bigint, e.cdc_mode,
       CASE WHEN e.cdc_mode = 'trigger' THEN ${S}._pending_changes(e.buffer_relid::regclass, st.frontier) END,
       CASE WHEN e.cdc_mode = 'trigger' THEN pg_total_relation_size(e.buffer_relid::regclass) END
  FROM ${S}._dependency_edges AS e
  JOIN ${S}.pgt_stream_tables AS st ON st.pgt_id = e.pgt_id
 ORDER BY e.stream_table, e.source_name;
END`,
  comment: "One row per (stream table, source): the changes its next refresh would consume and the size of the source's change buffer.",
});

/**
 * One health check: OK with `okDetail` when `source` has no rows, else `severity` with a count,
 * `problem` and the rows' `item`s listed. The details are SQL text expressions.
 */
function listCheck(order: number, check: string, severity: "WARN" | "ERROR", okDetail: string, problem: string, item: string, source: string): string {
  return `SELECT ${order}, ${quoteLiteral(check)},
       CASE WHEN count(*) = 0 THEN 'OK' ELSE ${quoteLiteral(severity)} END,
       CASE WHEN count(*) = 0 THEN ${okDetail}
            ELSE count(*) || ' ' || ${problem} || ': ' || string_agg(${item}, ', ' ORDER BY ${item}) END
  FROM ${source}`;
}

const maxBufferRows = `coalesce(current_setting('pg_trickle.max_buffer_rows', true)::bigint, ${defaultMaxBufferRows})`;
const lit = quoteLiteral;

const healthCheck = readingFunction({
  name: "health_check",
  parameters: [resultColumn("check_name", "text"), resultColumn("severity", "text"), resultColumn("detail", "text")],
  language: "sql",
  body: `BEGIN ATOMIC
SELECT c.check_name, c.severity, c.detail FROM (
SELECT 1, 'scheduler_running',
       CASE WHEN s.pid IS NOT NULL OR s.stream_tables = 0 THEN 'OK' ELSE 'WARN' END,
       CASE WHEN s.pid IS NOT NULL THEN 'the pg_trickle scheduler is running (pid ' || s.pid || ')'
            WHEN s.stream_tables = 0 THEN 'no pg_trickle scheduler is running, and there are no stream tables'
            ELSE 'no pg_trickle scheduler is running in this database: only refresh_stream_table refreshes' END
  FROM (SELECT ${S}._scheduler_pid() AS pid, (SELECT count(*) FROM ${S}.pgt_stream_tables) AS stream_tables) AS s
UNION ALL
${listCheck(2, "error_tables", "ERROR", lit("no stream table is in status ERROR"), lit("stream table(s) in status ERROR"),
  "i.name || coalesce(' (' || i.last_error_message || ')', '')", `${S}.stream_tables_info AS i WHERE i.status = 'ERROR'`)}
UNION ALL
${listCheck(3, "suspended_tables", "WARN", lit("no stream table is SUSPENDED"), lit("stream table(s) SUSPENDED"),
  "i.name", `${S}.stream_tables_info AS i WHERE i.status = 'SUSPENDED'`)}
UNION ALL
${listCheck(4, "stale_tables", "WARN", lit("no stream table is older than its schedule"), lit("stream table(s) older than their schedule"),
  "i.name || ' (' || date_trunc('second', i.staleness) || ' old, schedule ' || i.schedule || ')'",
  `${S}.stream_tables_info AS i WHERE i.stale`)}
UNION ALL
${listCheck(5, "buffer_growth", "WARN", `'no stream table has more than ' || ${maxBufferRows} || ' pending changes from a source'`,
  `'stream table(s) with more than ' || ${maxBufferRows} || ' pending changes from a source'`,
  "b.stream_table || ' <- ' || b.source_table || ' (' || b.pending_rows || ' rows)'",
  `${S}.change_buffer_sizes() AS b WHERE b.pending_rows > ${maxBufferRows}`)}
UNION ALL
${listCheck(6, "needs_reinit", "WARN", lit("no stream table needs reinitialization"), lit("stream table(s) need reinitialization"),
  "i.name", `${S}.stream_tables_info AS i WHERE i.needs_reinit`)}
) AS c(check_order, check_name, severity, detail)
 ORDER BY c.check_order;
END`,
  comment: "One row per health check (scheduler_running, error_tables, suspended_tables, stale_tables, buffer_growth, needs_reinit): OK, WARN or ERROR with details.",
});

const dependencyTree = readingFunction({
  name: "dependency_tree",
  parameters: [
    resultColumn("tree_line", "text"), resultColumn("node", "text"), resultColumn("node_type", "text"),
    resultColumn("depth", "integer"), resultColumn("status", "text"), resultColumn("refresh_mode", "text"),
  ],
  language: "sql",
  // Roots are the stream tables nothing reads; below each node, its sources, recursing into stream tables.
  body: `BEGIN ATOMIC
WITH RECURSIVE edges AS (
    SELECT e.pgt_id, e.source_name, e.source_type, e.source_pgt_id,
           row_number() OVER (PARTITION BY e.pgt_id ORDER BY e.source_name)
               = count(*) OVER (PARTITION BY e.pgt_id) AS is_last
      FROM ${S}._dependency_edges AS e
), tree AS (
    SELECT st.pgt_id, ${stName("st")} AS node, 'STREAM_TABLE'::text AS node_type, 0 AS depth,
           ${stName("st")} AS tree_line, ''::text AS child_indent, ARRAY[${stName("st")}] AS sort_key,
           ARRAY[st.pgt_id] AS visited
      FROM ${S}.pgt_stream_tables AS st
     WHERE NOT EXISTS (SELECT 1 FROM ${S}._dependency_edges AS reader WHERE reader.source_pgt_id = st.pgt_id)
    UNION ALL
    SELECT e.source_pgt_id, e.source_name, e.source_type, t.depth + 1,
           t.child_indent || CASE WHEN e.is_last THEN '\`-- ' ELSE '|-- ' END || e.source_name,
           t.child_indent || CASE WHEN e.is_last THEN '    ' ELSE '|   ' END,
           t.sort_key || e.source_name,
           t.visited || e.source_pgt_id
      FROM tree AS t
      JOIN edges AS e ON e.pgt_id = t.pgt_id
     WHERE e.source_pgt_id IS NULL OR e.source_pgt_id <> ALL (t.visited)
)
SELECT t.tree_line, t.node, t.node_type, t.depth, st.status, st.refresh_mode
  FROM tree AS t
  LEFT JOIN ${S}.pgt_stream_tables AS st ON st.pgt_id = t.pgt_id
 ORDER BY t.sort_key;
END`,
  comment: "The stream tables and their sources as an ASCII tree: one line per node, roots (stream tables nothing reads) first.",
});

/** The SQL texts of the program's statements under `key` ("full" or "differential"), one after another. */
function programStatements(key: string): string {
  return `(SELECT string_agg((s.statement->>'sql') || ';', chr(10) || chr(10) ORDER BY s.position)
           FROM jsonb_array_elements(st.refresh_program->'${key}') WITH ORDINALITY AS s(statement, position))`;
}

const explainSt = readingFunction({
  name: "explain_st",
  parameters: [
    parameter("name", "text"), parameter("with_analyze", "boolean", "false"),
    resultColumn("property", "text"), resultColumn("value", "text"),
  ],
  language: "sql",
  // with_analyze runs the defining query; a function that may do that cannot be STABLE.
  volatility: "volatile",
  body: `BEGIN ATOMIC
${requireStreamTable("explain_st")}
SELECT p.property, p.value
  FROM ${S}.pgt_stream_tables AS st
 CROSS JOIN LATERAL (VALUES
       (1, 'defining_query', st.defining_query),
       (2, 'original_query', st.original_query),
       (3, 'refresh_mode', st.refresh_mode),
       (4, 'requested_mode', st.requested_mode),
       (5, 'status', st.status),
       (6, 'schedule', coalesce(st.schedule, 'calculated')),
       (7, 'operator_tree', st.refresh_program->>'operatorTree'),
       (8, 'output_columns', (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                FROM pg_catalog.pg_attribute AS a
                               WHERE a.attrelid = st.pgt_relid AND a.attnum > 0 AND NOT a.attisdropped
                                 AND NOT starts_with(a.attname::text, '__pgt_'))),
       (9, 'delta_query', ${programStatements("differential")}),
       (10, 'full_query', ${programStatements("full")}),
       (11, 'frontier', st.frontier::text),
       (12, 'sources', (SELECT string_agg(e.source_name || ' (' || e.source_type || ', cdc ' || e.cdc_mode || ')', ', ' ORDER BY e.source_name)
                          FROM ${S}._dependency_edges AS e WHERE e.pgt_id = st.pgt_id)),
       (13, 'dependency_graph_dot', ${S}._dependency_graph_dot(st.pgt_id)),
       (14, 'explain_analyze', CASE WHEN explain_st.with_analyze
                                    THEN ${S}._explain_analyze(st.defining_query, st.refresh_program->>'searchPath') END)
       ) AS p(position, property, value)
 WHERE st.pgt_id = ${S}._stream_table_id(explain_st.name)
   AND (p.property <> 'explain_analyze' OR explain_st.with_analyze)
 ORDER BY p.position;
END`,
  comment: "How a stream table is maintained, one property a row: its queries, modes, operator tree, refresh statements, frontier and sources; with_analyze adds EXPLAIN ANALYZE of the defining query.",
});

const explainRefreshMode = readingFunction({
  name: "explain_refresh_mode",
  parameters: [
    parameter("name", "text"),
    resultColumn("configured_mode", "text"), resultColumn("effective_mode", "text"), resultColumn("downgrade_reason", "text"),
  ],
  language: "sql",
  body: `BEGIN ATOMIC
${requireStreamTable("explain_refresh_mode")}
SELECT st.requested_mode, st.effective_refresh_mode,
       coalesce(st.downgrade_reason,
                (SELECT CASE WHEN h.was_full_fallback THEN h.decision_reason END FROM ${S}.pgt_refresh_history AS h
                  WHERE h.pgt_id = st.pgt_id ORDER BY h.start_time DESC, h.refresh_id DESC LIMIT 1))
  FROM ${S}.pgt_stream_tables AS st
 WHERE st.pgt_id = ${S}._stream_table_id(explain_refresh_mode.name);
END`,
  comment: "The refresh mode asked for, the mode in effect, and why a differential mode was not possible: the query, or the last refresh's fallback to FULL.",
});

const validateQuery = readingFunction({
  name: "validate_query",
  parameters: [
    parameter("query", "text"),
    resultColumn("differentiable", "boolean"), resultColumn("auto_mode", "text"), resultColumn("reason", "text"),
    resultColumn("sqlstate", "text"), resultColumn("hint", "text"), resultColumn("warnings", "text[]"),
    resultColumn("operator_tree", "text"), resultColumn("immediate", "text"),
  ],
  language: "sql",
  body: `BEGIN ATOMIC
SELECT (p->>'differentiable')::boolean, p->>'autoMode', p->>'reason', p->>'sqlstate', p->>'hint',
       ARRAY(SELECT jsonb_array_elements_text(p->'warnings')), p->>'operatorTree', p->>'immediate'
  FROM ${S}._query_plan(validate_query.query) AS p;
END`,
  comment: "Whether a defining query can be maintained DIFFERENTIAL and IMMEDIATE, and why not (the construct, its SQLSTATE and hint), without creating anything; an invalid query raises the error create_stream_table would.",
});

const explainQueryRewrite = readingFunction({
  name: "explain_query_rewrite",
  parameters: [parameter("query", "text"), resultColumn("property", "text"), resultColumn("value", "text")],
  language: "sql",
  body: `BEGIN ATOMIC
SELECT r.item->>0, r.item->>1
  FROM ${S}._query_plan(explain_query_rewrite.query) AS p,
       jsonb_array_elements(p->'rows') WITH ORDINALITY AS r(item, position)
 ORDER BY r.position;
END`,
  comment: "How a defining query would be maintained, one property a row, without creating anything: the mode AUTO picks and why, warnings, operator tree, captured sources, how IMMEDIATE applies changes, and the FULL and DIFFERENTIAL refresh statements (writing to new_stream_table).",
});

/* ---- views over the functions ----------------------------------------------------------------- */

const cdcStatus = readingView(
  "pgt_cdc_status",
  [
    ["source_table", "text"], ["source_oid", "bigint"], ["buffer_table", "text"], ["capture_triggers", "text[]"],
    ["triggers_enabled", "boolean"], ["consumers", "text[]"], ["pending_rows", "bigint"], ["buffer_bytes", "bigint"],
  ],
  `SELECT captured.source_name,
       captured.source_relid::bigint,
       '${C}.' || buffer.relname,
       coalesce(triggers.names, '{}'),
       coalesce(triggers.names = ARRAY[${captureTriggers.map(quoteLiteral).join(", ")}] AND triggers.all_enabled, false),
       captured.consumers,
       captured.pending_rows,
       pg_total_relation_size(buffer.oid)
  FROM (SELECT e.source_relid, e.source_name, e.buffer_relid,
               array_agg(e.stream_table ORDER BY e.stream_table) AS consumers,
               max(${S}._pending_changes(e.buffer_relid::regclass, st.frontier)) AS pending_rows
          FROM ${S}._dependency_edges AS e
          JOIN ${S}.pgt_stream_tables AS st ON st.pgt_id = e.pgt_id
         WHERE e.cdc_mode = 'trigger'
         GROUP BY e.source_relid, e.source_name, e.buffer_relid) AS captured
  LEFT JOIN pg_catalog.pg_class AS buffer ON buffer.oid = captured.buffer_relid
  LEFT JOIN LATERAL (
       SELECT array_agg(t.tgname::text ORDER BY t.tgname) AS names, bool_and(t.tgenabled <> 'D') AS all_enabled
         FROM pg_catalog.pg_trigger AS t
        WHERE t.tgrelid = captured.source_relid AND t.tgname::text LIKE 'pgtrickle\\_capture\\_%') AS triggers ON true`,
  "One row per captured source: its change buffer, capture triggers, consumers, the largest backlog among them, and the buffer's size.",
);

const quickHealth = readingView(
  "quick_health",
  [["total_stream_tables", "bigint"], ["error_tables", "bigint"], ["stale_tables", "bigint"], ["scheduler_running", "boolean"], ["status", "text"]],
  `SELECT h.total_stream_tables, h.error_tables, h.stale_tables, h.scheduler_running,
       CASE WHEN h.total_stream_tables = 0 THEN 'EMPTY'
            WHEN h.error_tables > 0 THEN 'CRITICAL'
            WHEN h.stale_tables > 0 OR NOT h.scheduler_running THEN 'WARNING'
            ELSE 'OK'
       END
  FROM (SELECT count(*) AS total_stream_tables,
               count(*) FILTER (WHERE stat.status = 'ERROR') AS error_tables,
               count(*) FILTER (WHERE stat.stale) AS stale_tables,
               ${S}._scheduler_pid() IS NOT NULL AS scheduler_running
          FROM ${S}.pg_stat_stream_tables AS stat) AS h`,
  "One row: how many stream tables, how many in ERROR or stale, whether the scheduler runs, and an overall EMPTY, OK, WARNING or CRITICAL.",
);

/**
 * The consistency groups of diamonds, as the scheduler sees them now (`_schedule_plan()`): one row
 * per member and per convergence point. epoch is the newest completed refresh of any member: it
 * moves whenever the group is refreshed.
 */
const diamondGroups = readingFunction({
  name: "diamond_groups",
  parameters: [
    resultColumn("group_id", "integer"), resultColumn("member_name", "text"), resultColumn("member_schema", "text"),
    resultColumn("is_convergence", "boolean"), resultColumn("epoch", "bigint"), resultColumn("schedule_policy", "text"),
  ],
  language: "sql",
  volatility: "volatile",
  body: `BEGIN ATOMIC
SELECT (g.value->>'group')::integer, st.pgt_name, st.pgt_schema, m.is_convergence,
       (SELECT max(h.refresh_id) FROM ${S}.pgt_refresh_history AS h
         WHERE h.status = 'COMPLETED'
           AND h.pgt_id IN (SELECT member::bigint FROM jsonb_array_elements_text(g.value->'members') AS member)),
       g.value->>'policy'
  FROM jsonb_array_elements(${S}._schedule_plan()->'groups') AS g
 CROSS JOIN LATERAL (SELECT member::bigint AS pgt_id, false AS is_convergence FROM jsonb_array_elements_text(g.value->'members') AS member
                     UNION ALL
                     SELECT point::bigint, true FROM jsonb_array_elements_text(g.value->'convergence') AS point) AS m
  JOIN ${S}.pgt_stream_tables AS st ON st.pgt_id = m.pgt_id
 ORDER BY 1, 4, 3, 2;
END`,
  comment: "The consistency groups of diamonds: stream tables refreshed together in one transaction so that the stream tables reading them never see one new and one old.",
});

/** The monitoring objects, in dependency order. */
export const monitoring: CatalogObject[] = [
  streamTableId,
  schedulerPid,
  pendingChanges,
  explainAnalyze,
  dependencyEdges,
  dependencyGraphDot,
  streamTablesInfo,
  pgtStatus,
  getRefreshHistory,
  refreshTimeline,
  getStaleness,
  changeBufferSizes,
  healthCheck,
  dependencyTree,
  explainSt,
  explainRefreshMode,
  validateQuery,
  explainQueryRewrite,
  cdcStatus,
  quickHealth,
  diamondGroups,
];
