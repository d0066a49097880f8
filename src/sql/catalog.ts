/**
 * @fileoverview The SQL objects of pg_trickle 0.1.0: the one declaration the install script is
 * generated from (`npx tsx src/build/build.ts sql`).
 *
 * Names, parameter order and defaults of public functions are a compatibility contract
 * (docs: the SQL API reference). Objects are listed in dependency order. A change here is a change
 * of the extension's SQL surface: once a version is released, its declaration is archived and the
 * next version's upgrade script is generated from the difference.
 */
import {
  btreeIndex,
  checkOneOf,
  column,
  foreignKey,
  grant,
  parameter,
  primaryKey,
  revoke,
  serialSequenceName,
  table,
  unique,
  type CatalogObject,
  type ConfigDump,
  type Declaration,
  type EventTrigger,
  type FunctionParameter,
  type Privilege,
  type Schema,
  type Sequence,
  type SqlFunction,
  type View,
} from "./declare.ts";
import { monitoring } from "./monitoring.ts";

/** The schema every object of the extension lives in (fixed by the control file). */
export const extensionSchema = "pgtrickle";

/** The schema holding the per-source change buffers. */
export const changesSchema = "pgtrickle_changes";

const S = extensionSchema;
const C = changesSchema;
const streamTablesRef = { schema: S, table: "pgt_stream_tables", columns: ["pgt_id"] };

/* ---- schemas and sequences ---------------------------------------------------------------- */

const schemaPgtrickle: Schema = {
  kind: "schema",
  name: S,
  createdBy: "control_file",
  comment: "pg_trickle: stream tables, their catalog and their functions.",
  privileges: [grant("USAGE", "PUBLIC")],
};

const schemaChanges: Schema = {
  kind: "schema",
  name: changesSchema,
  createdBy: "script",
  comment: "pg_trickle change buffers: one table per captured source, written by change capture and consumed by refreshes.",
  privileges: [],
};

const changeSequence: Sequence = {
  kind: "sequence",
  schema: changesSchema,
  name: "change_seq",
  type: "bigint",
  comment: "Orders the rows of all change buffers; shared so changes to different sources have one order.",
  privileges: [],
};

/* ---- catalog tables ----------------------------------------------------------------------- */

const streamTables = table({
  schema: S,
  name: "pgt_stream_tables",
  columns: [
    column("pgt_id", "bigint", { serial: true }),
    column("pgt_relid", "oid", { notNull: true }),
    column("pgt_name", "text", { notNull: true }),
    column("pgt_schema", "text", { notNull: true }),
    column("defining_query", "text", { notNull: true }),
    column("original_query", "text", { notNull: true }),
    column("schedule", "text"),
    column("refresh_mode", "text", { notNull: true }),
    column("requested_mode", "text", { notNull: true }),
    column("status", "text", { notNull: true, default: "'INITIALIZING'" }),
    column("is_populated", "boolean", { notNull: true, default: "false" }),
    column("data_timestamp", "timestamp with time zone"),
    column("frontier", "jsonb"),
    column("last_refresh_at", "timestamp with time zone"),
    column("consecutive_errors", "integer", { notNull: true, default: "0" }),
    column("needs_reinit", "boolean", { notNull: true, default: "false" }),
    column("effective_refresh_mode", "text"),
    column("downgrade_reason", "text"),
    column("last_error_message", "text"),
    column("last_error_at", "timestamp with time zone"),
    column("refresh_program", "jsonb", { notNull: true }),
    column("created_at", "timestamp with time zone", { notNull: true, default: "now()" }),
    column("updated_at", "timestamp with time zone", { notNull: true, default: "now()" }),
  ],
  constraints: [
    primaryKey("pgt_id"),
    unique("pgt_relid"),
    unique("pgt_schema", "pgt_name"),
    checkOneOf("refresh_mode", ["FULL", "DIFFERENTIAL", "IMMEDIATE"]),
    checkOneOf("requested_mode", ["AUTO", "FULL", "DIFFERENTIAL", "IMMEDIATE"]),
    checkOneOf("status", ["INITIALIZING", "ACTIVE", "SUSPENDED", "ERROR"]),
  ],
  comment: "One row per stream table: its defining query, schedule, refresh mode, state and compiled refresh program.",
  privileges: [grant("SELECT", "PUBLIC")],
});

const dependencies = table({
  schema: S,
  name: "pgt_dependencies",
  columns: [
    column("pgt_id", "bigint", { notNull: true }),
    column("source_relid", "oid", { notNull: true }),
    column("source_type", "text", { notNull: true }),
    column("columns_used", "text[]"),
    column("cdc_mode", "text", { notNull: true, default: "'trigger'" }),
  ],
  constraints: [
    primaryKey("pgt_id", "source_relid"),
    foreignKey(["pgt_id"], streamTablesRef, "cascade"),
    checkOneOf("source_type", ["TABLE", "STREAM_TABLE", "VIEW", "MATVIEW", "FOREIGN_TABLE"]),
  ],
  comment: "The relations each stream table reads, with the columns it uses and how their changes are captured.",
  privileges: [grant("SELECT", "PUBLIC")],
});

const refreshHistory = table({
  schema: S,
  name: "pgt_refresh_history",
  columns: [
    column("refresh_id", "bigint", { serial: true }),
    column("pgt_id", "bigint", { notNull: true }),
    column("data_timestamp", "timestamp with time zone"),
    column("start_time", "timestamp with time zone", { notNull: true }),
    column("end_time", "timestamp with time zone"),
    column("action", "text", { notNull: true }),
    column("rows_inserted", "bigint", { notNull: true, default: "0" }),
    column("rows_deleted", "bigint", { notNull: true, default: "0" }),
    column("delta_row_count", "bigint", { notNull: true, default: "0" }),
    column("was_full_fallback", "boolean", { notNull: true, default: "false" }),
    column("error_message", "text"),
    column("status", "text", { notNull: true }),
    column("initiated_by", "text", { notNull: true }),
    column("fallback_reason", "text"),
  ],
  constraints: [
    primaryKey("refresh_id"),
    foreignKey(["pgt_id"], streamTablesRef, "cascade"),
    checkOneOf("action", ["NO_DATA", "FULL", "DIFFERENTIAL", "REINITIALIZE", "SKIP"]),
    checkOneOf("status", ["RUNNING", "COMPLETED", "FAILED", "SKIPPED"]),
    checkOneOf("initiated_by", ["SCHEDULER", "MANUAL", "INITIAL"]),
  ],
  comment: "One row per refresh attempt of a stream table: what it did, how many rows it changed, and how it ended.",
  privileges: [grant("SELECT", "PUBLIC")],
});

/** pg_dump keeps these rows (user definitions, and the position of their id sequence); history it does not. */
function configDump(relation: string): ConfigDump {
  return { kind: "config_dump", schema: S, relation, filter: "" };
}

/* ---- functions ---------------------------------------------------------------------------- */

/** A C entry point of the module whose symbol equals its SQL name. */
function cFunction(spec: {
  name: string;
  parameters: readonly FunctionParameter[];
  returns: string;
  comment: string;
  symbol?: string;
  strict?: boolean;
  privileges?: readonly Privilege[];
}): SqlFunction {
  return {
    kind: "function",
    schema: S,
    name: spec.name,
    parameters: spec.parameters,
    returns: spec.returns,
    language: "c",
    body: { kind: "c_symbol", symbol: spec.symbol ?? spec.name },
    volatility: "volatile",
    strict: spec.strict ?? false,
    security: "invoker",
    parallel: "unsafe",
    comment: spec.comment,
    privileges: spec.privileges ?? [],
  };
}

/** Only superusers and roles granted EXECUTE may change stream tables. */
const notForPublic = [revoke("EXECUTE", "PUBLIC")];

const createStreamTable = cFunction({
  name: "create_stream_table",
  parameters: [
    parameter("name", "text"),
    parameter("query", "text"),
    parameter("schedule", "text", "'calculated'"),
    parameter("refresh_mode", "text", "'AUTO'"),
    parameter("initialize", "boolean", "true"),
    parameter("diamond_consistency", "text", "NULL"),
    parameter("diamond_schedule_policy", "text", "NULL"),
    parameter("cdc_mode", "text", "NULL"),
    parameter("append_only", "boolean", "false"),
    parameter("pooler_compatibility_mode", "boolean", "false"),
    parameter("partition_by", "text", "NULL"),
    parameter("max_differential_joins", "integer", "NULL"),
    parameter("max_delta_fraction", "double precision", "NULL"),
  ],
  returns: "void",
  comment: "Creates a stream table: a table holding the result of query, kept up to date by refreshes.",
  privileges: notForPublic,
});

const alterStreamTable = cFunction({
  name: "alter_stream_table",
  parameters: [
    parameter("name", "text"),
    parameter("query", "text", "NULL"),
    parameter("schedule", "text", "NULL"),
    parameter("refresh_mode", "text", "NULL"),
    parameter("status", "text", "NULL"),
    parameter("diamond_consistency", "text", "NULL"),
    parameter("diamond_schedule_policy", "text", "NULL"),
    parameter("cdc_mode", "text", "NULL"),
    parameter("append_only", "boolean", "NULL"),
    parameter("pooler_compatibility_mode", "boolean", "NULL"),
    parameter("tier", "text", "NULL"),
    parameter("fuse", "text", "NULL"),
    parameter("fuse_ceiling", "bigint", "NULL"),
    parameter("fuse_sensitivity", "integer", "NULL"),
    parameter("partition_by", "text", "NULL"),
    parameter("max_differential_joins", "integer", "NULL"),
    parameter("max_delta_fraction", "double precision", "NULL"),
  ],
  returns: "void",
  comment: "Changes a stream table's query or settings in place; arguments left NULL keep their current value.",
  privileges: notForPublic,
});

const dropStreamTable = cFunction({
  name: "drop_stream_table",
  parameters: [parameter("name", "text"), parameter("cascade", "boolean", "false")],
  returns: "void",
  comment: "Drops a stream table with its catalog rows and the change capture no other stream table needs.",
  privileges: notForPublic,
});

const refreshStreamTable = cFunction({
  name: "refresh_stream_table",
  parameters: [parameter("name", "text")],
  returns: "void",
  comment: "Refreshes a stream table now, in the calling transaction.",
  privileges: notForPublic,
});

const version = cFunction({
  name: "version",
  symbol: "pg_trickle_version",
  parameters: [],
  returns: "text",
  comment: "The version of the loaded pg_trickle library.",
});

const engineNormalize = cFunction({
  name: "_engine_normalize",
  parameters: [parameter("query", "text")],
  returns: "text",
  strict: true,
  comment: "For tests and diagnostics: the engine's canonical form of the query's raw parse tree.",
});

const guardStreamTable = cFunction({
  name: "_guard_stream_table",
  parameters: [],
  returns: "trigger",
  comment: "Trigger function on every stream table that rejects direct INSERT, UPDATE, DELETE and TRUNCATE.",
});

/**
 * Seconds in a duration schedule ('30s', '5m', '1h30m', '2d', '1w'; units may repeat and add up),
 * NULL for anything else (cron expressions, 'calculated'). A SQL-standard body is bound when
 * created, so it is immune to the caller's search_path, and it stays inlinable.
 */
const scheduleSeconds: SqlFunction = {
  kind: "function",
  schema: S,
  name: "_schedule_seconds",
  parameters: [parameter("schedule", "text")],
  returns: "double precision",
  language: "sql",
  body: {
    kind: "sql_standard",
    text: `RETURN CASE
        WHEN lower(btrim(schedule)) ~ '^([0-9]+[smhdw])+$' THEN (
            SELECT sum(unit_match.parts[1]::double precision *
                       CASE unit_match.parts[2]
                           WHEN 's' THEN 1
                           WHEN 'm' THEN 60
                           WHEN 'h' THEN 3600
                           WHEN 'd' THEN 86400
                           WHEN 'w' THEN 604800
                       END)
            FROM regexp_matches(lower(btrim(schedule)), '([0-9]+)([smhdw])', 'g') AS unit_match(parts))
    END`,
  },
  volatility: "immutable",
  strict: true,
  security: "invoker",
  parallel: "safe",
  comment: "Seconds in a duration schedule such as '1h30m'; NULL for cron and calculated schedules.",
  privileges: [],
};

/* ---- views -------------------------------------------------------------------------------- */

const statStreamTables: View = {
  kind: "view",
  schema: S,
  name: "pg_stat_stream_tables",
  columns: [
    { name: "pgt_id", type: "bigint" },
    { name: "name", type: "text" },
    { name: "pgt_schema", type: "text" },
    { name: "pgt_name", type: "text" },
    { name: "status", type: "text" },
    { name: "refresh_mode", type: "text" },
    { name: "requested_mode", type: "text" },
    { name: "is_populated", type: "boolean" },
    { name: "data_timestamp", type: "timestamp with time zone" },
    { name: "schedule", type: "text" },
    { name: "staleness", type: "interval" },
    { name: "stale", type: "boolean" },
    { name: "consecutive_errors", type: "integer" },
    { name: "last_refresh_at", type: "timestamp with time zone" },
    { name: "total_refreshes", type: "bigint" },
    { name: "successful_refreshes", type: "bigint" },
    { name: "failed_refreshes", type: "bigint" },
    { name: "rows_inserted", type: "bigint" },
    { name: "rows_deleted", type: "bigint" },
    { name: "avg_duration_ms", type: "double precision" },
    { name: "last_action", type: "text" },
    { name: "last_status", type: "text" },
    { name: "cdc_modes", type: "text[]" },
  ],
  // stale: only a duration schedule promises a maximum age; IMMEDIATE ignores its schedule.
  query: `SELECT st.pgt_id,
       st.pgt_schema || '.' || st.pgt_name,
       st.pgt_schema,
       st.pgt_name,
       st.status,
       st.refresh_mode,
       st.requested_mode,
       st.is_populated,
       st.data_timestamp,
       st.schedule,
       now() - st.data_timestamp,
       CASE WHEN st.refresh_mode <> 'IMMEDIATE'
            THEN extract(epoch FROM now() - st.data_timestamp) > ${S}._schedule_seconds(st.schedule)
       END,
       st.consecutive_errors,
       st.last_refresh_at,
       coalesce(history.total_refreshes, 0),
       coalesce(history.successful_refreshes, 0),
       coalesce(history.failed_refreshes, 0),
       coalesce(history.rows_inserted, 0),
       coalesce(history.rows_deleted, 0),
       history.avg_duration_ms,
       latest.action,
       latest.status,
       sources.cdc_modes
  FROM ${S}.pgt_stream_tables AS st
  LEFT JOIN LATERAL (
       SELECT count(*) AS total_refreshes,
              count(*) FILTER (WHERE h.status = 'COMPLETED') AS successful_refreshes,
              count(*) FILTER (WHERE h.status = 'FAILED') AS failed_refreshes,
              sum(h.rows_inserted)::bigint AS rows_inserted,
              sum(h.rows_deleted)::bigint AS rows_deleted,
              (avg(extract(epoch FROM h.end_time - h.start_time) * 1000)
                   FILTER (WHERE h.status = 'COMPLETED'))::double precision AS avg_duration_ms
         FROM ${S}.pgt_refresh_history AS h
        WHERE h.pgt_id = st.pgt_id) AS history ON true
  LEFT JOIN LATERAL (
       SELECT h.action, h.status
         FROM ${S}.pgt_refresh_history AS h
        WHERE h.pgt_id = st.pgt_id
        ORDER BY h.start_time DESC, h.refresh_id DESC
        LIMIT 1) AS latest ON true
  LEFT JOIN LATERAL (
       SELECT array_agg(DISTINCT d.cdc_mode ORDER BY d.cdc_mode) AS cdc_modes
         FROM ${S}.pgt_dependencies AS d
        WHERE d.pgt_id = st.pgt_id) AS sources ON true`,
  comment: "One row per stream table: its state, staleness, refresh counts and averages, and how its sources are captured.",
  privileges: [grant("SELECT", "PUBLIC")],
};

/**
 * DROP TABLE run directly on a stream table or on a source. A dropped stream table is forgotten
 * (catalog rows, history); a stream table whose source was dropped can no longer refresh and is
 * marked ERROR with the reason; change capture nobody reads any more is dropped (the source's
 * capture triggers went with it, or go with the function). Does nothing while the extension
 * itself is being dropped.
 */
const onSqlDrop: SqlFunction = {
  kind: "function",
  schema: S,
  name: "_on_sql_drop",
  parameters: [],
  returns: "event_trigger",
  language: "plpgsql",
  body: {
    kind: "string",
    text: `
DECLARE
    dropped record;
    orphan oid;
BEGIN
    IF to_regclass('${S}.pgt_stream_tables') IS NULL THEN
        RETURN;
    END IF;
    FOR dropped IN
        SELECT objid, object_identity FROM pg_catalog.pg_event_trigger_dropped_objects()
        WHERE classid = 'pg_catalog.pg_class'::regclass AND objsubid = 0 AND object_type = 'table'
    LOOP
        DELETE FROM ${S}.pgt_stream_tables WHERE pgt_relid = dropped.objid;
        UPDATE ${S}.pgt_stream_tables AS st
           SET status = 'ERROR', needs_reinit = true, updated_at = now(), last_error_at = now(),
               last_error_message = format('source table %s was dropped', dropped.object_identity)
         WHERE st.pgt_id IN (SELECT d.pgt_id FROM ${S}.pgt_dependencies AS d WHERE d.source_relid = dropped.objid);
    END LOOP;
    FOR orphan IN
        SELECT substr(c.relname, 9)::oid FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = '${C}'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'changes\\_%'
          AND NOT EXISTS (SELECT 1 FROM ${S}.pgt_dependencies AS d
                          WHERE d.source_relid = substr(c.relname, 9)::oid AND d.cdc_mode = 'trigger'
                            AND EXISTS (SELECT 1 FROM pg_catalog.pg_class AS s WHERE s.oid = d.source_relid))
    LOOP
        -- Each DROP below fires this trigger again, which may already have dropped the other object.
        IF to_regprocedure(format('${C}.%I()', 'capture_' || orphan)) IS NOT NULL THEN
            EXECUTE format('DROP FUNCTION ${C}.%I() CASCADE', 'capture_' || orphan);
        END IF;
        IF to_regclass(format('${C}.%I', 'changes_' || orphan)) IS NOT NULL THEN
            EXECUTE format('DROP TABLE ${C}.%I', 'changes_' || orphan);
        END IF;
    END LOOP;
END
`,
  },
  volatility: "volatile",
  strict: false,
  security: "invoker",
  parallel: "unsafe",
  comment: "Event trigger function: keeps the catalog and change capture consistent when a stream table or a source is dropped with DROP TABLE.",
  privileges: [],
};

const sqlDropTrigger: EventTrigger = {
  kind: "event_trigger",
  name: "pgtrickle_sql_drop",
  event: "sql_drop",
  functionSchema: S,
  functionName: "_on_sql_drop",
  comment: "Forgets stream tables dropped with DROP TABLE and marks stream tables whose source was dropped as ERROR.",
};

/* ---- the declaration ---------------------------------------------------------------------- */

const objects: CatalogObject[] = [
  schemaPgtrickle,
  schemaChanges,
  changeSequence,
  streamTables,
  dependencies,
  btreeIndex(S, "pgt_dependencies", ["source_relid"]),
  refreshHistory,
  btreeIndex(S, "pgt_refresh_history", ["pgt_id", "start_time"]),
  configDump("pgt_stream_tables"),
  configDump(serialSequenceName("pgt_stream_tables", "pgt_id")),
  configDump("pgt_dependencies"),
  createStreamTable,
  alterStreamTable,
  dropStreamTable,
  refreshStreamTable,
  version,
  engineNormalize,
  guardStreamTable,
  scheduleSeconds,
  statStreamTables,
  ...monitoring,
  onSqlDrop,
  sqlDropTrigger,
];

/** The objects of pg_trickle 0.1.0. */
export const catalog: Declaration = { extension: "pg_trickle", version: "0.1.0", objects };
