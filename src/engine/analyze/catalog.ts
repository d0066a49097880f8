/**
 * @fileoverview Read-only catalog questions the engine asks its host. Each question is a JSON
 * request whose `kind` names it and whose `sql` the backend host runs with the request itself
 * as parameter $1 (jsonb); a test host answers by `kind` from fixtures instead.
 */

import { hostCatalogQuery } from "../host/imports";
import { parseJson, Json, JsonKind, JsonObjectWriter } from "../util/json";

/** A column of a relation. */
export class ColumnInfo {
  constructor(public name: string, public type: string, public notNull: bool) {}
}

/** A relation named in a defining query. */
export class RelationInfo {
  oid: string = "";
  schema: string = "";
  name: string = "";
  /** pg_class.relkind: r, p, v, m, f, ... */
  relkind: string = "";
  isStreamTable: bool = false;
  /** True when other tables inherit from it (inheritance children or partitions). */
  hasChildren: bool = false;
  /**
   * True when it inherits from another table or others inherit from it (pg_inherits). Its
   * capture is then row-level: a statement naming an ancestor changes its rows without firing
   * its statement triggers, and the transition tables of a statement naming it hold its
   * descendants' rows too (cdc/buffer.ts).
   */
  inHierarchy: bool = false;
  /** True when its capture triggers are in place and fire for each row (see inHierarchy). */
  rowCaptured: bool = false;
  /** True when its primary key is DEFERRABLE. */
  deferrableKey: bool = false;
  /** The tables that inherit from it, directly or not, each once (pg_inherits), by oid. */
  descendants: RelationInfo[] = [];
  /** The tables it inherits from, directly or not. */
  ancestors: RelationInfo[] = [];
  /** The ancestors of its descendants that are neither it, its descendants nor its own ancestors (multiple inheritance). */
  descendantsAncestors: RelationInfo[] = [];
  columns: ColumnInfo[] = [];
  primaryKey: string[] = [];

  /** The column called `name`, or null. */
  column(name: string): ColumnInfo | null {
    for (let i = 0; i < this.columns.length; i++) if (this.columns[i].name == name) return this.columns[i];
    return null;
  }
}

/** A function visible under a name. */
export class FunctionInfo {
  /** True for a set-returning function. */
  retset: bool = false;
  /** Its declared arguments, how many of them have defaults, and whether the last is VARIADIC. */
  nargs: i32 = 0;
  defaults: i32 = 0;
  variadic: bool = false;
  /**
   * The columns of a row it returns: its OUT parameters, or the attributes of the composite type
   * it returns; empty for a scalar result. `record`: it returns `record` without OUT parameters,
   * so a call in FROM needs a column definition list.
   */
  outputs: string[] = [];
  record: bool = false;
  /** The type it returns (regtype text: `integer`, `record`, `anyelement`, ...). */
  result: string = "";
  constructor(public schema: string, public kind: string, public volatility: string) {}

  /** True when a call with `n` positional arguments can mean this function. */
  accepts(n: i32): bool {
    return (n >= this.nargs - this.defaults && n <= this.nargs) || (this.variadic && n >= this.nargs - 1);
  }
}

/** Where a new stream table would go. */
export class TargetName {
  schema: string = "";
  name: string = "";
  exists: bool = false;
}

/**
 * Asks the host question `kind`: `sql`, run with the request as $1. The backend keeps the plan
 * of a `constant` SQL text for the session (native/engine_host.c); a text built per call is not.
 */
function ask(kind: string, sql: string, fields: JsonObjectWriter, constant: bool = true): Json | null {
  fields.str("kind", kind).str("sql", sql);
  if (constant) fields.bool("keepPlan", true);
  const request = fields.toString();
  const answer = hostCatalogQuery(request);
  if (answer === null) return null;
  const parsed = parseJson(answer);
  return parsed.value;
}

/** The members of the JSON object describing table `r` (of pg_class) in an inheritance hierarchy. */
const MEMBER_FIELDS = `'oid', r.oid::text, 'schema', rn.nspname, 'name', r.relname, 'relkind', r.relkind::text,
        'rowCaptured', EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = r.oid AND t.tgname = 'pgtrickle_capture_insert'
                               AND (t.tgtype::int & 1) = 1)`;

const RELATION_SQL = `WITH RECURSIVE target AS (
  SELECT to_regclass(CASE WHEN $1->>'schema' IS NULL THEN quote_ident($1->>'name')
                     ELSE quote_ident($1->>'schema') || '.' || quote_ident($1->>'name') END)::oid AS oid
), below(oid) AS (
  SELECT i.inhrelid FROM pg_inherits i JOIN target ON i.inhparent = target.oid
  UNION SELECT i.inhrelid FROM pg_inherits i JOIN below ON i.inhparent = below.oid
), above(oid, own) AS (
  SELECT i.inhparent, true FROM pg_inherits i JOIN target ON i.inhrelid = target.oid
  UNION SELECT i.inhparent, false FROM pg_inherits i JOIN below ON i.inhrelid = below.oid
  UNION SELECT i.inhparent, above.own FROM pg_inherits i JOIN above ON i.inhrelid = above.oid
)
SELECT json_build_object(
  'oid', c.oid::text, 'schema', n.nspname, 'name', c.relname, 'relkind', c.relkind::text,
  'hasChildren', c.relhassubclass,
  'inHierarchy', EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid),
  'rowCaptured', EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'pgtrickle_capture_insert'
                         AND (t.tgtype::int & 1) = 1),
  'deferrableKey', EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND NOT i.indimmediate),
  'descendants', (SELECT json_agg(json_build_object(${MEMBER_FIELDS}) ORDER BY r.oid)
      FROM (SELECT DISTINCT oid FROM below) AS b JOIN pg_class r ON r.oid = b.oid JOIN pg_namespace rn ON rn.oid = r.relnamespace),
  'ancestors', (SELECT json_agg(json_build_object(${MEMBER_FIELDS}) ORDER BY r.oid)
      FROM (SELECT DISTINCT oid FROM above WHERE own) AS b JOIN pg_class r ON r.oid = b.oid JOIN pg_namespace rn ON rn.oid = r.relnamespace),
  'descendantsAncestors', (SELECT json_agg(json_build_object(${MEMBER_FIELDS}) ORDER BY r.oid)
      FROM (SELECT DISTINCT oid FROM above WHERE NOT own AND oid <> c.oid AND oid NOT IN (SELECT oid FROM below)
              AND oid NOT IN (SELECT oid FROM above WHERE own)) AS b
      JOIN pg_class r ON r.oid = b.oid JOIN pg_namespace rn ON rn.oid = r.relnamespace),
  'isStreamTable', EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = c.oid),
  'columns', COALESCE((SELECT json_agg(json_build_object('name', a.attname,
        'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull) ORDER BY a.attnum)
      FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
  'primaryKey', COALESCE((SELECT json_agg(a.attname ORDER BY k.ord)
      FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = c.oid AND i.indisprimary), '[]'))::text
FROM target JOIN pg_class c ON c.oid = target.oid JOIN pg_namespace n ON n.oid = c.relnamespace`;

/** Looks up a relation as the parser named it (`schema` empty: search_path); null when missing. */
export function lookupRelation(schema: string, name: string): RelationInfo | null {
  const fields = new JsonObjectWriter().strOrNull("schema", schema.length > 0 ? schema : null).str("name", name);
  const json = ask("relation", RELATION_SQL, fields);
  if (json === null) return null;
  const rel = new RelationInfo();
  rel.oid = json.str("oid");
  rel.schema = json.str("schema");
  rel.name = json.str("name");
  rel.relkind = json.str("relkind");
  rel.isStreamTable = json.bool("isStreamTable");
  rel.hasChildren = json.bool("hasChildren");
  rel.inHierarchy = json.bool("inHierarchy");
  rel.rowCaptured = json.bool("rowCaptured");
  rel.deferrableKey = json.bool("deferrableKey");
  const columns = json.arr("columns");
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    rel.columns.push(new ColumnInfo(c.str("name"), c.str("type"), c.bool("notNull")));
  }
  const pk = json.arr("primaryKey");
  for (let i = 0; i < pk.length; i++) rel.primaryKey.push(pk[i].text);
  rel.descendants = hierarchyMembers(json.arr("descendants"), rel, true);
  rel.ancestors = hierarchyMembers(json.arr("ancestors"), rel, false);
  rel.descendantsAncestors = hierarchyMembers(json.arr("descendantsAncestors"), rel, false);
  return rel;
}

/**
 * The tables of an inheritance hierarchy listed in `items`, related to `rel`. A descendant has
 * every column of `rel` under the same name and type (its own order and extra columns do not
 * matter: it is read by name), and inherits from a table, so it is in a hierarchy.
 */
function hierarchyMembers(items: Json[], rel: RelationInfo, descendants: bool): RelationInfo[] {
  const out: RelationInfo[] = [];
  for (let i = 0; i < items.length; i++) {
    const m = new RelationInfo();
    m.oid = items[i].str("oid");
    m.schema = items[i].str("schema");
    m.name = items[i].str("name");
    m.relkind = items[i].str("relkind");
    m.rowCaptured = items[i].bool("rowCaptured");
    m.inHierarchy = true;
    if (descendants) m.columns = rel.columns;
    out.push(m);
  }
  return out;
}

const VIEW_SQL = `SELECT json_build_object('definition', d.def, 'parseTree', pgtrickle._parse_query(d.def),
  'serverVersion', current_setting('server_version_num')::int)::text
FROM (SELECT pg_get_viewdef(($1->>'oid')::oid) AS def) AS d
WHERE d.def IS NOT NULL`;

/**
 * The query of view `oid`: `{definition, parseTree, serverVersion}` (PostgreSQL's raw parse tree
 * of pg_get_viewdef's text, which names every relation as the current search_path needs), or
 * null when it is not a view.
 */
export function lookupViewQuery(oid: string): Json | null {
  return ask("view", VIEW_SQL, new JsonObjectWriter().str("oid", oid));
}

/**
 * A stream table's last refreshes, for AUTO's cost model (refresh/cost-model.ts). Only those since
 * the last REINITIALIZE (it included) count: it recompiled the program, so older ones ran another.
 * The initial population (INITIAL) and REINITIALIZE run the program's FULL statements and are
 * timed like any refresh, so they are FULL samples (the storage DDL before the initial population
 * is not timed). The initial population counts only until another FULL refresh is measured: it
 * ran over the sources as they were when the stream table was created, often freshly loaded and
 * without the dead rows their changes leave (TPC-H Q19 at scale factor 1: populated in 51 ms,
 * refreshed FULL in 200 to 390 ms after rounds of 1 % changes). Each part is an index scan of
 * (pgt_id, action, start_time) that stops after the rows it needs, however long the history:
 * the sum of FULL refreshes since the last DIFFERENTIAL one reads at most 1000 of them (so a
 * probe that could cost about 100 FULL refreshes more than one never comes), and sinceFull counts
 * only up to `window`, the pg_trickle.full_refresh_every that needs it.
 */
const REFRESH_COSTS_SQL = `WITH reinitialized AS (
  SELECT start_time, extract(epoch FROM end_time - start_time) * 1000 AS ms, false AS initial FROM pgtrickle.pgt_refresh_history
   WHERE pgt_id = ($1->>'pgtId')::bigint AND action = 'REINITIALIZE' AND status = 'COMPLETED' AND end_time IS NOT NULL
   ORDER BY start_time DESC LIMIT 1),
program AS (SELECT coalesce((SELECT start_time FROM reinitialized), '-infinity') AS since),
fulls AS (
  SELECT * FROM (SELECT h.start_time, extract(epoch FROM h.end_time - h.start_time) * 1000 AS ms, h.initiated_by = 'INITIAL' AS initial
                   FROM pgtrickle.pgt_refresh_history AS h, program
                  WHERE h.pgt_id = ($1->>'pgtId')::bigint AND h.action = 'FULL' AND h.status = 'COMPLETED'
                    AND h.end_time IS NOT NULL AND h.start_time > program.since
                  ORDER BY h.start_time DESC LIMIT 5) AS f
  UNION ALL SELECT * FROM reinitialized
  ORDER BY start_time DESC LIMIT 5),
differentials AS (
  SELECT h.start_time, h.delta_row_count AS changes, extract(epoch FROM h.end_time - h.start_time) * 1000 AS ms
    FROM pgtrickle.pgt_refresh_history AS h, program
   WHERE h.pgt_id = ($1->>'pgtId')::bigint AND h.action = 'DIFFERENTIAL' AND h.status = 'COMPLETED'
     AND h.end_time IS NOT NULL AND h.start_time > program.since
   ORDER BY h.start_time DESC LIMIT 9),
fulls_since AS (
  SELECT count(*) AS n, coalesce(sum(ms), 0) AS ms
    FROM (SELECT extract(epoch FROM h.end_time - h.start_time) * 1000 AS ms FROM pgtrickle.pgt_refresh_history AS h
           WHERE h.pgt_id = ($1->>'pgtId')::bigint AND h.action = 'FULL' AND h.status = 'COMPLETED'
             AND h.end_time IS NOT NULL AND h.start_time > (SELECT max(start_time) FROM differentials)
           ORDER BY h.start_time DESC LIMIT 1000) AS f),
last_full AS (
  SELECT greatest((SELECT since FROM program),
                  (SELECT max(start_time) FROM pgtrickle.pgt_refresh_history
                    WHERE pgt_id = ($1->>'pgtId')::bigint AND action = 'FULL' AND status = 'COMPLETED')) AS at)
SELECT json_build_object(
  'fulls', (SELECT coalesce(json_agg(ms ORDER BY start_time DESC), '[]') FROM fulls
             WHERE NOT initial OR NOT EXISTS (SELECT FROM fulls WHERE NOT initial)),
  'differentials', (SELECT coalesce(json_agg(json_build_array(changes, ms) ORDER BY start_time DESC), '[]') FROM differentials),
  'fullsSinceDifferential', (SELECT n FROM fulls_since),
  'fullMsSinceDifferential', (SELECT ms FROM fulls_since),
  'sinceFull', (SELECT count(*) FROM (SELECT FROM pgtrickle.pgt_refresh_history AS h, last_full
                  WHERE h.pgt_id = ($1->>'pgtId')::bigint AND h.action = 'DIFFERENTIAL' AND h.status = 'COMPLETED'
                    AND h.start_time > coalesce(last_full.at, '-infinity')
                  ORDER BY h.start_time DESC LIMIT ($1->>'window')::int) AS d))::text`;

/** One measured DIFFERENTIAL refresh: how many changes it applied and how long it took. */
export class DifferentialSample {
  constructor(public changes: i64, public ms: f64) {}
}

/** What the last refreshes of a stream table cost, newest first (see REFRESH_COSTS_SQL). */
export class RefreshCosts {
  /** Durations of the last five FULL refreshes (REINITIALIZE included; the initial population only while no other is among them), in ms. */
  fullMs: f64[] = [];
  /** The last nine DIFFERENTIAL refreshes. */
  differentials: DifferentialSample[] = [];
  /** The FULL refreshes since the last DIFFERENTIAL one: how many, and their total milliseconds. */
  fullsSinceDifferential: i32 = 0;
  fullMsSinceDifferential: f64 = 0;
  /** DIFFERENTIAL refreshes since the last FULL one, counted up to `window`. */
  sinceFull: i32 = 0;
}

/** The costs of the last refreshes of stream table `pgtId`; `window` is how far sinceFull needs to count. */
export function lookupRefreshCosts(pgtId: string, window: i32): RefreshCosts {
  const out = new RefreshCosts();
  const json = ask("refreshCosts", REFRESH_COSTS_SQL, new JsonObjectWriter().raw("pgtId", pgtId).int("window", window));
  if (json === null) return out;
  const fulls = json.arr("fulls");
  for (let i = 0; i < fulls.length; i++) out.fullMs.push(F64.parseFloat(fulls[i].text));
  const differentials = json.arr("differentials");
  for (let i = 0; i < differentials.length; i++) {
    const sample = differentials[i].items;
    if (sample.length == 2) out.differentials.push(new DifferentialSample(I64.parseInt(sample[0].text), F64.parseFloat(sample[1].text)));
  }
  out.fullsSinceDifferential = json.int("fullsSinceDifferential");
  out.fullMsSinceDifferential = F64.parseFloat(json.str("fullMsSinceDifferential", "0"));
  out.sinceFull = json.int("sinceFull");
  return out;
}

const FUNCTION_SQL = `SELECT COALESCE(json_agg(json_build_object('schema', n.nspname,
    'kind', p.prokind::text, 'volatility', p.provolatile::text, 'retset', p.proretset,
    'nargs', p.pronargs, 'defaults', p.pronargdefaults, 'variadic', p.provariadic <> 0,
    'outputs', CASE
      WHEN p.proargmodes && ARRAY['o', 'b', 't']::"char"[] THEN
        (SELECT json_agg(COALESCE(NULLIF(a.name, ''), 'column' || a.n) ORDER BY a.n)
         FROM (SELECT m.name, row_number() OVER (ORDER BY m.i) AS n
               FROM unnest(p.proargmodes, p.proargnames) WITH ORDINALITY AS m(mode, name, i)
               WHERE m.mode IN ('o', 'b', 't')) AS a)
      WHEN t.typrelid <> 0 THEN
        (SELECT json_agg(c.attname ORDER BY c.attnum) FROM pg_attribute c
         WHERE c.attrelid = t.typrelid AND c.attnum > 0 AND NOT c.attisdropped)
    END,
    'result', p.prorettype::regtype::text, 'record', p.prorettype = 'record'::regtype
      AND NOT COALESCE(p.proargmodes && ARRAY['o', 'b', 't']::"char"[], false))), '[]')::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_type t ON t.oid = p.prorettype
WHERE p.proname = $1->>'name'
  AND CASE WHEN $1->>'schema' IS NULL THEN pg_function_is_visible(p.oid) ELSE n.nspname = $1->>'schema' END`;

/** The functions visible as `schema.name` (or `name` on the search_path). */
export function lookupFunctions(schema: string, name: string): FunctionInfo[] {
  const fields = new JsonObjectWriter().strOrNull("schema", schema.length > 0 ? schema : null).str("name", name);
  const json = ask("function", FUNCTION_SQL, fields);
  const out: FunctionInfo[] = [];
  if (json === null) return out;
  for (let i = 0; i < json.items.length; i++) {
    const f = json.items[i];
    const info = new FunctionInfo(f.str("schema"), f.str("kind"), f.str("volatility"));
    info.retset = f.bool("retset");
    info.nargs = f.int("nargs");
    info.defaults = f.int("defaults");
    info.variadic = f.bool("variadic");
    const outputs = f.arr("outputs");
    for (let k = 0; k < outputs.length; k++) info.outputs.push(outputs[k].text);
    info.record = f.bool("record");
    info.result = f.str("result");
    out.push(info);
  }
  return out;
}

/**
 * The type of the rows function call `call` returns (regtype text; `record` for a row of OUT
 * parameters), as PostgreSQL resolves the call. Its arguments are typed NULLs: the function runs
 * once, on NULLs, and its first row is all that is read.
 */
export function lookupResultType(call: string): string | null {
  return lookupExpressionType("(SELECT x FROM " + call + " AS x LIMIT 1)");
}

/** The type of expression `sql` (regtype text), as PostgreSQL resolves it; its column references are typed NULLs. */
export function lookupExpressionType(sql: string): string | null {
  const json = ask("expressionType", "SELECT to_json(pg_typeof(" + sql + ")::text)::text", new JsonObjectWriter(), false);
  return json === null ? null : json.kind == JsonKind.String ? json.text : null;
}

const TARGET_SQL = `WITH p AS (SELECT parse_ident($1->>'name') AS parts)
SELECT json_build_object('parts', cardinality(parts),
  'schema', CASE WHEN cardinality(parts) = 2 THEN parts[1] ELSE current_schema() END,
  'name', parts[cardinality(parts)],
  'exists', to_regclass(quote_ident(CASE WHEN cardinality(parts) = 2 THEN parts[1] ELSE current_schema() END)
                        || '.' || quote_ident(parts[cardinality(parts)])) IS NOT NULL)::text
FROM p`;

/** Resolves the name given to create_stream_table; null when it has more than two parts or no schema. */
export function resolveTargetName(name: string): TargetName | null {
  const json = ask("target", TARGET_SQL, new JsonObjectWriter().str("name", name));
  if (json === null || json.int("parts") > 2 || !json.has("schema")) return null;
  const t = new TargetName();
  t.schema = json.str("schema");
  t.name = json.str("name");
  t.exists = json.bool("exists");
  return t;
}

const BUFFER_SQL = `SELECT (SELECT COALESCE(json_agg(a.attname ORDER BY a.attnum), '[]')::text
        FROM pg_attribute a
        WHERE a.attrelid = b.oid AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname NOT LIKE '\\_\\_pgt\\_%')
FROM (SELECT to_regclass('pgtrickle_changes.' || quote_ident('changes_' || ($1->>'sourceOid'))) AS oid) AS b
WHERE b.oid IS NOT NULL`;

/** The source columns an existing change buffer captures, or null when the source has no buffer. */
export function bufferColumns(sourceOid: string): string[] | null {
  const json = ask("buffer", BUFFER_SQL, new JsonObjectWriter().str("sourceOid", sourceOid));
  if (json === null) return null;
  const out: string[] = [];
  for (let i = 0; i < json.items.length; i++) out.push(json.items[i].text);
  return out;
}

const STREAM_TABLE_SQL = `SELECT json_build_object('pgtId', s.pgt_id::text, 'relid', s.pgt_relid::text,
  'schema', s.pgt_schema, 'name', s.pgt_name, 'refreshMode', s.refresh_mode,
  'requestedMode', s.requested_mode, 'status', s.status, 'program', s.refresh_program,
  'sources', COALESCE((SELECT json_agg(json_build_object('oid', d.source_relid::text,
      'otherConsumers', (SELECT count(*) FROM pgtrickle.pgt_dependencies o
                         WHERE o.source_relid = d.source_relid AND o.pgt_id <> s.pgt_id
                           AND o.cdc_mode = 'trigger'), 'cdcMode', d.cdc_mode))
    FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = s.pgt_id), '[]'),
  'dependents', COALESCE((SELECT json_agg(format('%I.%I', r.pgt_schema, r.pgt_name) ORDER BY r.pgt_id)
    FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables r USING (pgt_id)
    WHERE d.source_relid = s.pgt_relid), '[]'))::text
FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = to_regclass($1->>'name')`;

/** The catalog row of the stream table called `name` (as written by the user), or null. */
export function lookupStreamTable(name: string): Json | null {
  return ask("streamTable", STREAM_TABLE_SQL, new JsonObjectWriter().str("name", name));
}

/**
 * The column names PostgreSQL's parse analysis gives each common table expression of `query`, at
 * any depth, under the current search_path: `[{location, columns}]`, `location` being where the
 * CTE's name starts (a byte offset, as in the parse tree). Null when the host cannot answer.
 */
export function lookupCteColumns(query: string): Json | null {
  return ask("cteColumns", "SELECT pgtrickle._cte_columns($1->>'query')::text", new JsonObjectWriter().str("query", query));
}

const SEARCH_PATH_SQL = `SELECT COALESCE(string_agg(quote_ident(s), ', ' ORDER BY n), '')
FROM unnest(current_schemas(false)) WITH ORDINALITY AS p(s, n)`;

/**
 * The schemas names resolve in right now, as a search_path value. Refreshes run with it, so a
 * defining query means the same thing whoever refreshes it later and with whatever search_path.
 */
export function currentSearchPath(): string {
  const answer = hostCatalogQuery(new JsonObjectWriter().str("kind", "searchPath").str("sql", SEARCH_PATH_SQL).toString());
  return answer === null ? "" : answer;
}

const RELINK_SURVEY_SQL = `SELECT json_build_object(
  'identity', pgtrickle._database_identity(),
  'horizon', pg_snapshot_xmin(pg_current_snapshot())::text,
  'rows', COALESCE(json_agg(json_build_object(
    'pgtId', st.pgt_id::text, 'schema', st.pgt_schema, 'name', st.pgt_name, 'status', st.status, 'frontier', st.frontier,
    'refreshMode', st.refresh_mode, 'differentiable', COALESCE((st.refresh_program->>'differentiable')::boolean, false),
    'statementTriggers', jsonb_typeof(st.refresh_program->'immediate') = 'object',
    'storage', (SELECT json_build_object('oid', c.oid::text, 'loaded', EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid))
                FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', st.pgt_schema, st.pgt_name))),
    'sources', (SELECT COALESCE(json_agg(json_build_object(
        'oldOid', s.src->>'oid', 'schema', s.src->>'schema', 'name', s.src->>'name', 'oid', s.relid::text,
        'relkind', s.src->>'relkind', 'columns', s.src->'columns', 'role', s.src->>'role',
        'isStreamTable', EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables u WHERE u.pgt_schema = s.src->>'schema' AND u.pgt_name = s.src->>'name'),
        'buffer', (SELECT json_build_object('loaded', EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = b.oid))
                   FROM pg_class b WHERE b.oid = to_regclass(format('pgtrickle_changes.%I', 'changes_' || (s.src->>'oid')))),
        'captured', (SELECT count(*) = 4 FROM pg_trigger t WHERE t.tgrelid = s.relid
                     AND t.tgname IN ('pgtrickle_capture_insert', 'pgtrickle_capture_update', 'pgtrickle_capture_delete', 'pgtrickle_capture_truncate')),
        'immediate', (SELECT count(*) = 4 FROM pg_trigger t WHERE t.tgrelid = s.relid
                      AND t.tgname IN (SELECT format('pgtrickle_ivm_%s_%s', st.pgt_id, k) FROM unnest(ARRAY['insert', 'update', 'delete', 'truncate']) AS k))
      ) ORDER BY s.ord), '[]')
      FROM (SELECT e.src, e.ord, to_regclass(format('%I.%I', e.src->>'schema', e.src->>'name'))::oid AS relid
            FROM jsonb_array_elements(st.refresh_program->'sources') WITH ORDINALITY AS e(src, ord)) AS s)
  ) ORDER BY st.pgt_id), '[]'))::text
FROM pgtrickle.pgt_stream_tables st
WHERE st.database_identity IS DISTINCT FROM pgtrickle._database_identity()`;

/**
 * Everything relinking restored stream tables needs (requests/relink.ts): this database's
 * identity, the oldest running transaction, and per restored catalog row its frontier, refresh
 * mode, whether its table is here with its indexes, and per source of its program the OID it had
 * and has now, what the program says of it, whether its buffer is here with its index, and
 * whether its capture or IMMEDIATE triggers are. Null when the host cannot answer.
 */
export function relinkSurvey(): Json | null {
  return ask("relink", RELINK_SURVEY_SQL, new JsonObjectWriter());
}
