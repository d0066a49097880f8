/**
 * @fileoverview The SQL objects of pg_trickle 0.4.0: the one declaration the install script is
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
    column("diamond_consistency", "text", { notNull: true, default: "'atomic'" }),
    column("diamond_schedule_policy", "text", { notNull: true, default: "'fastest'" }),
    column("created_at", "timestamp with time zone", { notNull: true, default: "now()" }),
    column("updated_at", "timestamp with time zone", { notNull: true, default: "now()" }),
    // NULL in rows written before 0.3.0; such rows are relinked once, like restored ones.
    column("database_identity", "text"),
  ],
  constraints: [
    primaryKey("pgt_id"),
    unique("pgt_relid"),
    unique("pgt_schema", "pgt_name"),
    checkOneOf("refresh_mode", ["FULL", "DIFFERENTIAL", "IMMEDIATE"]),
    checkOneOf("requested_mode", ["AUTO", "FULL", "DIFFERENTIAL", "IMMEDIATE"]),
    checkOneOf("status", ["INITIALIZING", "ACTIVE", "SUSPENDED", "ERROR"]),
    checkOneOf("diamond_consistency", ["atomic", "none"]),
    checkOneOf("diamond_schedule_policy", ["fastest", "slowest"]),
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
    column("decision_reason", "text"),
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

/**
 * pg_dump keeps these rows (user definitions, and the position of their id sequence); history it
 * does not. `filter` limits the rows kept.
 */
function configDump(relation: string, filter = ""): ConfigDump {
  return { kind: "config_dump", schema: S, relation, filter };
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
  volatility?: SqlFunction["volatility"];
  parallel?: SqlFunction["parallel"];
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
    volatility: spec.volatility ?? "volatile",
    strict: spec.strict ?? false,
    security: "invoker",
    parallel: spec.parallel ?? "unsafe",
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

const parseQuery = cFunction({
  name: "_parse_query",
  parameters: [parameter("query", "text")],
  returns: "text",
  strict: true,
  comment: "PostgreSQL's raw parse tree of the query (nodeToString form): how the engine reads the definition of a view a defining query names.",
});

const cteColumns = cFunction({
  name: "_cte_columns",
  parameters: [parameter("query", "text")],
  returns: "jsonb",
  strict: true,
  comment: "The column names PostgreSQL gives each common table expression of the query, by where its name starts: how the engine keeps a recursive CTE's columns when it bounds its recursion.",
});

/**
 * Called by the bounded recursive CTEs of IMMEDIATE programs. Stable, not volatile: PostgreSQL
 * inlines no CTE that calls a volatile function, and would store every row once more. Its
 * `depth` argument is a column, so the planner never calls it ahead of a row. Raising in a
 * parallel worker is as good as in the leader.
 */
const recursionTooDeep = cFunction({
  name: "_recursion_too_deep",
  parameters: [parameter("cte", "text"), parameter("stream_table", "text"), parameter("depth", "integer")],
  returns: "boolean",
  volatility: "stable",
  parallel: "safe",
  comment: "Raises the error (54000) of a recursion in an IMMEDIATE stream table's query deeper than pg_trickle.ivm_recursive_max_depth; never returns.",
});

const queryPlan = cFunction({
  name: "_query_plan",
  parameters: [parameter("query", "text")],
  returns: "jsonb",
  strict: true,
  comment: "What create_stream_table would do with the query, creating nothing: whether it is differentiable and why not, its operator tree and refresh statements (validate_query and explain_query_rewrite read it).",
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


/** A plpgsql function of the extension with a pinned search_path (its bodies qualify names anyway). */
function plpgsqlFunction(spec: {
  name: string;
  parameters: readonly FunctionParameter[];
  returns: string;
  body: string;
  comment: string;
  volatility?: SqlFunction["volatility"];
  privileges?: readonly Privilege[];
}): SqlFunction {
  return {
    kind: "function",
    schema: S,
    name: spec.name,
    parameters: spec.parameters,
    returns: spec.returns,
    language: "plpgsql",
    body: { kind: "string", text: spec.body },
    volatility: spec.volatility ?? "volatile",
    strict: false,
    security: "invoker",
    parallel: "unsafe",
    comment: spec.comment,
    privileges: spec.privileges ?? [],
  };
}

/** The JSON payload of a pg_trickle_alert notification about stream table record `st`. */
function alertPayload(event: string, extra = ""): string {
  return `jsonb_build_object('event', '${event}', 'stream_table', format('%I.%I', st.pgt_schema, st.pgt_name),
        'pgt_id', st.pgt_id${extra})::text`;
}

/**
 * Capture nobody reads any more (its last consumer was dropped, or its source is gone): the
 * capture function (CASCADE takes the four triggers) and the change buffer.
 */
const dropOrphanCapture = plpgsqlFunction({
  name: "_drop_orphan_capture",
  parameters: [],
  returns: "void",
  body: `
DECLARE
    orphan oid;
    trig record;
BEGIN
    FOR orphan IN
        SELECT substr(c.relname, 9)::oid FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = '${C}'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'changes\\_%'
          AND NOT EXISTS (SELECT 1 FROM ${S}.pgt_dependencies AS d
                          WHERE d.source_relid = substr(c.relname, 9)::oid AND d.cdc_mode = 'trigger'
                            AND EXISTS (SELECT 1 FROM pg_catalog.pg_class AS s WHERE s.oid = d.source_relid))
    LOOP
        -- Each DROP below fires the sql_drop event trigger, which may already have dropped the other object.
        IF to_regprocedure(format('${C}.%I()', 'capture_' || orphan)) IS NOT NULL THEN
            EXECUTE format('DROP FUNCTION ${C}.%I() CASCADE', 'capture_' || orphan);
        END IF;
        IF to_regclass(format('${C}.%I', 'changes_' || orphan)) IS NOT NULL THEN
            EXECUTE format('DROP TABLE ${C}.%I', 'changes_' || orphan);
        END IF;
    END LOOP;
    FOR trig IN
        SELECT t.tgrelid::regclass AS source, t.tgname FROM pg_catalog.pg_trigger AS t
        WHERE t.tgfoid = '${S}._immediate_maintain()'::regprocedure
          AND NOT EXISTS (SELECT 1 FROM ${S}.pgt_stream_tables AS st
                          WHERE st.pgt_id = split_part(t.tgname, '_', 3)::bigint AND st.refresh_mode = 'IMMEDIATE')
    LOOP
        -- IF EXISTS: the DROP fires the sql_drop event trigger, which may already have dropped the rest.
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', trig.tgname, trig.source);
    END LOOP;
END
`,
  comment: "Drops the change capture (function, triggers, buffer) of sources no stream table reads any more, and IMMEDIATE triggers of stream tables that are gone.",
  privileges: notForPublic,
});

const immediateMaintain = cFunction({
  name: "_immediate_maintain",
  parameters: [],
  returns: "trigger",
  comment: "Statement trigger on the sources of IMMEDIATE stream tables: applies each statement's changes to the stream table (argument: pgt_id).",
  privileges: notForPublic,
});

/**
 * Creates (enable) or drops the IMMEDIATE triggers of stream table `pgt_id` on each of its
 * sources, named pgtrickle_ivm_<pgt_id>_<kind>. A program with statement steps (one table,
 * refresh_program->'immediate') gets one AFTER trigger per statement kind, the first three with
 * the transition tables it reads. Any other gets a BEFORE and an AFTER statement trigger: the
 * shim refreshes the stream table once the last statement writing its sources ends. Idempotent:
 * enabling keeps the triggers in place that are still wanted and drops the others.
 */
const immediateTriggers = plpgsqlFunction({
  name: "_immediate_triggers",
  parameters: [parameter("pgt_id", "bigint"), parameter("enable", "boolean")],
  returns: "void",
  body: `
DECLARE
    wanted text[];
    trig record;
    source regclass;
    kind record;
BEGIN
    SELECT CASE WHEN NOT enable THEN '{}'::text[]
                WHEN jsonb_typeof(st.refresh_program->'immediate') = 'object' THEN '{insert,update,delete,truncate}'::text[]
                ELSE '{before,after}'::text[] END INTO wanted
    FROM ${S}.pgt_stream_tables AS st WHERE st.pgt_id = _immediate_triggers.pgt_id;
    FOR trig IN
        SELECT t.tgrelid::regclass AS source, t.tgname FROM pg_catalog.pg_trigger AS t
        WHERE t.tgfoid = '${S}._immediate_maintain()'::regprocedure
          AND t.tgname LIKE 'pgtrickle\\_ivm\\_' || _immediate_triggers.pgt_id || '\\_%'
          AND NOT (t.tgname = ANY (SELECT 'pgtrickle_ivm_' || _immediate_triggers.pgt_id || '_' || w FROM unnest(wanted) AS w)
                   AND EXISTS (SELECT 1 FROM ${S}.pgt_dependencies AS d
                               WHERE d.pgt_id = _immediate_triggers.pgt_id AND d.source_relid = t.tgrelid AND d.cdc_mode <> 'none'))
    LOOP
        -- IF EXISTS: the DROP fires the sql_drop event trigger, which may already have dropped the rest.
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', trig.tgname, trig.source);
    END LOOP;
    -- A view's changes are its tables' (cdc_mode none): they are sources too.
    FOR source IN SELECT d.source_relid::regclass FROM ${S}.pgt_dependencies AS d
                  WHERE d.pgt_id = _immediate_triggers.pgt_id AND d.cdc_mode <> 'none' ORDER BY 1
    LOOP
        FOR kind IN
            SELECT * FROM (VALUES ('insert', 'AFTER', 'INSERT', 'REFERENCING NEW TABLE AS __pgt_new'),
                                  ('update', 'AFTER', 'UPDATE', 'REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new'),
                                  ('delete', 'AFTER', 'DELETE', 'REFERENCING OLD TABLE AS __pgt_old'),
                                  ('truncate', 'AFTER', 'TRUNCATE', ''),
                                  ('before', 'BEFORE', 'INSERT OR UPDATE OR DELETE OR TRUNCATE', ''),
                                  ('after', 'AFTER', 'INSERT OR UPDATE OR DELETE OR TRUNCATE', '')) AS k(suffix, timing, event, transition)
            WHERE k.suffix = ANY (wanted)
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger AS t
                              WHERE t.tgrelid = source AND t.tgname = 'pgtrickle_ivm_' || _immediate_triggers.pgt_id || '_' || k.suffix)
        LOOP
            EXECUTE format('CREATE TRIGGER %I %s %s ON %s %s FOR EACH STATEMENT EXECUTE FUNCTION ${S}._immediate_maintain(%L)',
                           'pgtrickle_ivm_' || pgt_id || '_' || kind.suffix, kind.timing, kind.event, source, kind.transition, pgt_id);
        END LOOP;
    END LOOP;
END
`,
  comment: "Creates or drops the IMMEDIATE statement triggers of a stream table on its sources.",
  privileges: notForPublic,
});

const wakeScheduler = cFunction({
  name: "_wake_scheduler",
  parameters: [],
  returns: "void",
  comment: "Called by capture triggers: wakes the database's scheduler when the current transaction commits (pg_trickle.wake_on_commit).",
  // Capture functions run as the stream table's creator, who may not be a superuser; waking is harmless.
});

const upgradeStreamTables = cFunction({
  name: "_upgrade_stream_tables",
  parameters: [],
  returns: "void",
  comment: "Run by the last step of ALTER EXTENSION pg_trickle UPDATE: recompiles every stream table's refresh program and change capture with the installed library.",
  privileges: notForPublic,
});

const databaseIdentity = cFunction({
  name: "_database_identity",
  parameters: [],
  returns: "text",
  comment: "This database's identity, system identifier/database OID: a catalog row recording another one was restored from a dump, and its OIDs and transaction ids are relinked before use.",
});

/** What the scheduler's PLAN step sends the engine (op "schedule"): every stream table's schedule state. */
const schedulerState: SqlFunction = {
  kind: "function",
  schema: S,
  name: "_scheduler_state",
  parameters: [],
  returns: "jsonb",
  language: "sql",
  body: {
    kind: "sql_standard",
    text: `RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'id', st.pgt_id::text,
            'schedule', st.schedule,
            'refreshMode', st.refresh_mode,
            'status', st.status,
            'populated', st.is_populated,
            'lastRefreshAt', (extract(epoch FROM st.last_refresh_at) * 1000)::bigint,
            'upstream', (SELECT coalesce(jsonb_agg(up.pgt_id::text ORDER BY up.pgt_id), '[]'::jsonb)
                           FROM ${S}.pgt_dependencies AS d
                           JOIN ${S}.pgt_stream_tables AS up ON up.pgt_relid = d.source_relid
                          WHERE d.pgt_id = st.pgt_id),
            'sources', (SELECT coalesce(jsonb_agg(d.source_relid::text ORDER BY d.source_relid), '[]'::jsonb)
                          FROM ${S}.pgt_dependencies AS d
                         WHERE d.pgt_id = st.pgt_id
                           AND NOT EXISTS (SELECT 1 FROM ${S}.pgt_stream_tables AS up WHERE up.pgt_relid = d.source_relid)),
            'diamondConsistency', st.diamond_consistency,
            'diamondSchedulePolicy', st.diamond_schedule_policy)
            ORDER BY st.pgt_id), '[]'::jsonb)
        FROM ${S}.pgt_stream_tables AS st)`,
  },
  volatility: "stable",
  strict: false,
  security: "invoker",
  parallel: "safe",
  comment: "For the scheduler: the schedule, mode, status, last refresh, sources, upstream stream tables and diamond settings of every stream table, as JSON.",
  privileges: [],
};

const schedulePlan = cFunction({
  name: "_schedule_plan",
  parameters: [],
  returns: "jsonb",
  comment: "What the scheduler would decide now: the due stream tables in batches (one transaction each), the consistency groups of diamonds, and the effective periods.",
});

/**
 * A scheduled refresh failed (and was rolled back): count it, suspend the stream table when the
 * count reaches max_errors, record a FAILED history row, and alert.
 */
const recordRefreshFailure = plpgsqlFunction({
  name: "_record_refresh_failure",
  parameters: [
    parameter("stream_table_id", "bigint"),
    parameter("message", "text"),
    parameter("started_at", "timestamp with time zone"),
    parameter("max_errors", "integer"),
  ],
  returns: "void",
  body: `
DECLARE
    st ${S}.pgt_stream_tables;
    was_suspended boolean;
BEGIN
    SELECT * INTO st FROM ${S}.pgt_stream_tables WHERE pgt_id = stream_table_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    was_suspended := st.status = 'SUSPENDED';
    UPDATE ${S}.pgt_stream_tables
       SET consecutive_errors = consecutive_errors + 1, last_error_message = message,
           last_error_at = now(), updated_at = now(),
           status = CASE WHEN status IN ('ACTIVE', 'INITIALIZING') AND consecutive_errors + 1 >= max_errors
                         THEN 'SUSPENDED' ELSE status END
     WHERE pgt_id = stream_table_id
    RETURNING * INTO st;
    INSERT INTO ${S}.pgt_refresh_history (pgt_id, start_time, end_time, action, status, error_message, initiated_by)
    VALUES (st.pgt_id, started_at, clock_timestamp(),
            CASE WHEN st.refresh_mode = 'FULL' OR NOT st.is_populated THEN 'FULL' ELSE 'DIFFERENTIAL' END,
            'FAILED', message, 'SCHEDULER');
    PERFORM pg_notify('pg_trickle_alert', ${alertPayload("refresh_failed", ", 'consecutive_errors', st.consecutive_errors, 'error', message")});
    IF st.status = 'SUSPENDED' AND NOT was_suspended THEN
        PERFORM pg_notify('pg_trickle_alert', ${alertPayload("auto_suspended", ", 'consecutive_errors', st.consecutive_errors, 'error', message")});
    END IF;
END
`,
  comment: "For the scheduler: records a failed scheduled refresh, suspends the stream table after max_errors in a row, and notifies pg_trickle_alert.",
  privileges: notForPublic,
});

/**
 * Housekeeping, run by the scheduler at most every ten seconds (also callable directly).
 *
 * A change-buffer row may be deleted once (1) every consumer with a frontier has consumed it (the
 * buffer's consumers are the `trigger` dependencies; an IMMEDIATE stream table reading the same
 * source reads transition tables, and its frontier never moves) —
 * the exact complement of the change window in operators/scan.ts, so no later window of that
 * consumer can contain it — and (2) no open snapshot could still make a new consumer need it:
 * its xid is below every backend_xmin and backend_xid of this database's other sessions (made
 * 64-bit relative to this transaction's own xid) and visible in this session's own snapshot.
 * Consumers without a frontier refresh FULL next and need nothing. Sessions of other databases
 * cannot read these buffers and are ignored.
 */
const housekeeping = plpgsqlFunction({
  name: "_housekeeping",
  parameters: [parameter("history_retention_days", "integer")],
  returns: "void",
  body: `
DECLARE
    me xid8 := pg_current_xact_id();
    me32 xid := (me::text::numeric % 4294967296)::text::xid;
    oldest_age bigint;
    horizon xid8;
    buffer record;
    consumer record;
    consumed text;
BEGIN
    -- age() counts from this transaction's xid; subtracting age(me32) keeps that exact.
    SELECT max(greatest(age(a.backend_xmin), age(a.backend_xid))) - age(me32) INTO oldest_age
      FROM pg_catalog.pg_stat_activity AS a
     WHERE a.datname = current_database() AND a.pid <> pg_backend_pid();
    horizon := (me::text::numeric - greatest(coalesce(oldest_age, 0), 0))::text::xid8;
    FOR buffer IN
        SELECT c.relname, substr(c.relname, 9)::oid AS source_relid
          FROM pg_catalog.pg_class AS c
         WHERE c.relnamespace = '${C}'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'changes\\_%'
    LOOP
        consumed := format('__pgt_xid < %L::xid8 AND pg_visible_in_snapshot(__pgt_xid, pg_current_snapshot())', horizon);
        FOR consumer IN
            SELECT st.frontier FROM ${S}.pgt_dependencies AS d JOIN ${S}.pgt_stream_tables AS st USING (pgt_id)
             WHERE d.source_relid = buffer.source_relid AND d.cdc_mode = 'trigger' AND st.frontier IS NOT NULL
        LOOP
            consumed := consumed || format(
                ' AND (__pgt_xid < %L::xid8 OR CASE WHEN __pgt_xid = %L::xid8 THEN __pgt_seq <= %L::bigint'
                ' ELSE pg_visible_in_snapshot(__pgt_xid, %L::pg_snapshot) END)',
                consumer.frontier->>'xmin', consumer.frontier->>'own_xid', consumer.frontier->>'own_seq',
                consumer.frontier->>'snapshot');
        END LOOP;
        EXECUTE format('DELETE FROM ${C}.%I WHERE %s', buffer.relname, consumed);
    END LOOP;
    PERFORM ${S}._drop_orphan_capture();
    DELETE FROM ${S}.pgt_refresh_history
     WHERE start_time < now() - make_interval(days => history_retention_days);
END
`,
  comment: "Deletes change-buffer rows every consumer has consumed, drops capture nobody reads, and prunes refresh history older than history_retention_days; the scheduler runs it.",
  privileges: notForPublic,
});

const resumeStreamTable = plpgsqlFunction({
  name: "resume_stream_table",
  parameters: [parameter("name", "text")],
  returns: "void",
  body: `
DECLARE
    st ${S}.pgt_stream_tables;
BEGIN
    -- _stream_table_id raises 42P01 for a name that is not a stream table (22023 for NULL).
    SELECT * INTO st FROM ${S}.pgt_stream_tables WHERE pgt_id = ${S}._stream_table_id(name) FOR UPDATE;
    IF st.status = 'ERROR' THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = format('stream table "%s" cannot be resumed', name),
            DETAIL = coalesce(st.last_error_message, 'Its status is ERROR.'),
            HINT = 'Drop the stream table and create it again.';
    END IF;
    IF st.status <> 'SUSPENDED' THEN
        RAISE NOTICE 'stream table "%" is not suspended', name;
        RETURN;
    END IF;
    UPDATE ${S}.pgt_stream_tables SET status = 'ACTIVE', consecutive_errors = 0, updated_at = now()
     WHERE pgt_id = st.pgt_id;
    PERFORM pg_notify('pg_trickle_alert', ${alertPayload("resumed")});
    PERFORM ${S}._wake_scheduler();
END
`,
  comment: "Makes a suspended stream table active again and resets its error count; the scheduler refreshes it when it is due.",
  privileges: notForPublic,
});

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
 * marked ERROR with the reason (not when it read the table only through inheritance: the
 * ddl_command_end trigger reinitializes it, native/inheritance.c); change capture nobody reads any more is dropped (the source's
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
BEGIN
    IF to_regclass('${S}.pgt_stream_tables') IS NULL THEN
        RETURN;
    END IF;
    FOR dropped IN
        SELECT objid, object_type, object_identity FROM pg_catalog.pg_event_trigger_dropped_objects()
        WHERE classid = 'pg_catalog.pg_class'::regclass AND objsubid = 0 AND object_type IN ('table', 'view')
    LOOP
        DELETE FROM ${S}.pgt_stream_tables WHERE pgt_relid = dropped.objid;
        -- A table read only through inheritance (a child, an ancestor of one) is not an error:
        -- the ddl_command_end trigger reinitializes its readers.
        UPDATE ${S}.pgt_stream_tables AS st
           SET status = 'ERROR', needs_reinit = true, updated_at = now(), last_error_at = now(),
               last_error_message = format('source %s %s was dropped', dropped.object_type, dropped.object_identity)
         WHERE st.pgt_id IN (SELECT d.pgt_id FROM ${S}.pgt_dependencies AS d WHERE d.source_relid = dropped.objid)
           AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(st.refresh_program->'sources') AS s
                           WHERE s->>'oid' = dropped.objid::text AND s->>'role' IN ('inherited', 'ancestor'));
    END LOOP;
    PERFORM ${S}._drop_orphan_capture();
END
`,
  },
  volatility: "volatile",
  strict: false,
  security: "invoker",
  parallel: "unsafe",
  comment: "Event trigger function: keeps the catalog and change capture consistent when a stream table or a source is dropped with DROP TABLE or DROP VIEW.",
  privileges: [],
};

const onDdlCommandEnd = cFunction({
  name: "_on_ddl_command_end",
  parameters: [],
  returns: "event_trigger",
  comment: "Event trigger function: after CREATE INDEX and CREATE TRIGGER, links stream tables restored by pg_restore once everything they need is restored; after CREATE OR REPLACE VIEW, marks the stream tables reading the view for reinitialization; after DDL that changes inheritance, reinitializes the stream tables reading the tables involved.",
});

const ddlCommandEndTrigger: EventTrigger = {
  kind: "event_trigger",
  name: "pgtrickle_ddl_command_end",
  event: "ddl_command_end",
  functionSchema: S,
  functionName: "_on_ddl_command_end",
  comment: "Links stream tables restored from a dump as soon as the restore has created their indexes and triggers.",
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
  // AUTO's cost model reads the last refreshes of each action (src/engine/analyze/catalog.ts).
  btreeIndex(S, "pgt_refresh_history", ["pgt_id", "action", "start_time"]),
  configDump("pgt_stream_tables"),
  configDump(serialSequenceName("pgt_stream_tables", "pgt_id")),
  // Dependencies follow from the refresh programs and are rebuilt when restored stream tables are
  // linked; dumped, their rows could reach a parallel pg_restore before the rows they reference.
  configDump("pgt_dependencies", "WHERE false"),
  createStreamTable,
  alterStreamTable,
  dropStreamTable,
  refreshStreamTable,
  version,
  engineNormalize,
  parseQuery,
  cteColumns,
  guardStreamTable,
  scheduleSeconds,
  wakeScheduler,
  immediateMaintain,
  immediateTriggers,
  recursionTooDeep,
  dropOrphanCapture,
  schedulerState,
  schedulePlan,
  recordRefreshFailure,
  housekeeping,
  resumeStreamTable,
  upgradeStreamTables,
  databaseIdentity,
  statStreamTables,
  queryPlan,
  ...monitoring,
  onSqlDrop,
  sqlDropTrigger,
  onDdlCommandEnd,
  ddlCommandEndTrigger,
];

/** The objects of pg_trickle 0.4.0. */
export const catalog: Declaration = { extension: "pg_trickle", version: "0.4.0", objects };
