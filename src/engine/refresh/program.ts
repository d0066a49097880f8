/**
 * @fileoverview The refresh program of a stream table: everything the shim runs to refresh it,
 * generated once at creation and stored in pgt_stream_tables.refresh_program. A refresh binds
 * the previous frontier as $1..$4 and runs the probe, then the FULL or DIFFERENTIAL statements,
 * then the bookkeeping statement — all under one snapshot.
 */

import { JsonObjectWriter, Json, jsonArray } from "../util/json";
import { Statement, statementsJson, MaintenancePlan, Counting } from "./statement";
import { quoteIdent, qualifiedName, clipIdentifier } from "../sqlgen/quote";
import { TERM_START, TERM_END } from "../operators/join";

/** A source the program reads. */
export class ProgramSource {
  /**
   * How the query reads it: `""` named in the query; `inherited` read only as a table inheriting
   * from a named one (captured; dropping it or changing its inheritance reinitializes the stream
   * table); `ancestor` only inherited from by a table it reads: not captured, but its statements
   * change rows the query reads, so an IMMEDIATE stream table has its statement triggers there.
   */
  role: string = "";
  constructor(public oid: string, public schema: string, public name: string, public relkind: string, public columns: string[],
    public isStreamTable: bool = false) {}
}

/** What an IMMEDIATE statement trigger runs for one kind of statement: lock the touched rows ("" when none need it), then apply. */
export class ImmediateStep {
  constructor(public lock: string, public apply: Statement[]) {}

  toJson(): string {
    return new JsonObjectWriter().str("lock", this.lock).raw("apply", statementsJson(this.apply)).toString();
  }
}

/**
 * IMMEDIATE maintenance: the same delta rules with ΔR read from the statement's transition
 * tables, one step per statement kind. A TRUNCATE of the source runs `fullDiff`. `check`
 * ($1 = row ids) lists the stored versions of those rows: a REPEATABLE READ writer compares it
 * under its own snapshot and the latest one, and a difference is a serialization failure.
 */
export class ImmediateProgram {
  constructor(public insert: ImmediateStep, public update: ImmediateStep, public delete: ImmediateStep, public check: string) {}

  toJson(): string {
    return new JsonObjectWriter().raw("insert", this.insert.toJson()).raw("update", this.update.toJson())
      .raw("delete", this.delete.toJson()).str("check", this.check).toString();
  }
}

/** The compiled refresh program. */
export class RefreshProgram {
  storage: string = "";
  /** The search_path every refresh runs with: the schemas visible when the stream table was created. */
  searchPath: string = "";
  differentiable: bool = false;
  /** Why the query is not differentiable ("" when it is). */
  reason: string = "";
  operatorTree: string = "";
  probe: string = "";
  full: Statement[] = [];
  /** FULL as a difference, for a stream table other stream tables read (see fullDiffStatements). */
  fullDiff: Statement[] = [];
  differential: Statement[] = [];
  /**
   * The statement-trigger program of a query over one table, or null. An IMMEDIATE stream table
   * without one is refreshed from its change buffers at the end of every statement that writes
   * its sources, inside the writing transaction (native/immediate.c): DIFFERENTIAL, or FULL as a
   * difference above the change ratio (requests/refresh.ts).
   */
  immediate: ImmediateProgram | null = null;
  sources: ProgramSource[] = [];

  /** The program as stored in the catalog. */
  toJson(): string {
    const sources: string[] = [];
    for (let i = 0; i < this.sources.length; i++) {
      const s = this.sources[i];
      const source = new JsonObjectWriter().str("oid", s.oid).str("schema", s.schema).str("name", s.name)
        .str("relkind", s.relkind).strings("columns", s.columns);
      sources.push((s.role.length > 0 ? source.str("role", s.role) : source).toString());
    }
    return new JsonObjectWriter()
      .int("version", 1)
      .str("storage", this.storage)
      .str("searchPath", this.searchPath)
      .bool("differentiable", this.differentiable)
      .str("reason", this.reason)
      .str("operatorTree", this.operatorTree)
      .str("probe", this.probe)
      .raw("full", statementsJson(this.full))
      .raw("fullDiff", statementsJson(this.fullDiff))
      .raw("differential", statementsJson(this.differential))
      .raw("immediate", this.immediate === null ? "null" : changetype<ImmediateProgram>(this.immediate).toJson())
      .raw("sources", jsonArray(sources))
      .toString();
  }
}

/** The name of the `__pgt_row_id` index of stream table `name`. */
export function rowIdIndexName(name: string): string {
  return clipIdentifier(name + "___pgt_row_id_idx");
}

/** The statement creating the `__pgt_row_id` index of the stream table `schema.name`. */
export function createRowIdIndex(schema: string, name: string): Statement {
  return new Statement("CREATE INDEX " + quoteIdent(rowIdIndexName(name)) + " ON " + qualifiedName(schema, name) + " (__pgt_row_id)");
}

/**
 * The FULL refresh statements: empty the storage and insert the query's result. The row-id index
 * is dropped for the bulk insert and built again after it: maintaining a btree row by row in hash
 * order costs several times more than building it once.
 */
export function fullRefreshStatements(schema: string, name: string, plan: MaintenancePlan): Statement[] {
  const storage = qualifiedName(schema, name);
  const cols: string[] = [];
  for (let i = 0; i < plan.columns.length; i++) cols.push(quoteIdent(plan.columns[i]));
  return [
    new Statement("TRUNCATE " + storage),
    new Statement("DROP INDEX IF EXISTS " + qualifiedName(schema, rowIdIndexName(name))),
    new Statement("INSERT INTO " + storage + " (" + cols.join(", ") + ")\n" + plan.fullSelect, Counting.Inserted),
    createRowIdIndex(schema, name),
  ];
}

/**
 * A FULL refresh that changes only what differs, for a stream table that other stream tables read:
 * its capture then records the difference, so they stay DIFFERENTIAL (TRUNCATE would force them
 * FULL). The query's result goes to a temporary table; old and new rows are each numbered within
 * their `partition` (the row id, or the whole table when empty) in binary-image order (`*<`); an
 * old row without a new row of the same partition, number and image (`*=`) is deleted, a new row
 * without such an old row inserted. Sorting both sides the same way makes this exact for
 * multisets, for every column type, duplicates included; values equal but stored differently
 * (1.0 and 1.00) only cost a delete and an insert.
 */
export function fullDiffStatements(schema: string, name: string, select: string, partition: string): Statement[] {
  const storage = qualifiedName(schema, name);
  const fresh = "pg_temp." + quoteIdent(clipIdentifier("__pgt_fresh_" + name));
  const oldRows = "pg_temp." + quoteIdent(clipIdentifier("__pgt_old_" + name));
  const newRows = "pg_temp." + quoteIdent(clipIdentifier("__pgt_new_" + name));
  const samePart = partition.length > 0 ? "n.__pgt_p = o.__pgt_p AND " : "";
  const matches = samePart + "n.__pgt_k = o.__pgt_k AND n.__pgt_img OPERATOR(pg_catalog.*=) o.__pgt_img";
  // The temporary tables are dropped at the end, and with everything else if a statement fails.
  return [
    new Statement("CREATE TEMP TABLE " + fresh + " AS\n" + select),
    // The aliases are whole-row references: no user column starts with __pgt_, no hidden one is __pgt_r.
    new Statement("CREATE TEMP TABLE " + oldRows + " AS SELECT __pgt_r.ctid AS __pgt_ctid, __pgt_r AS __pgt_img, "
      + diffPartition("__pgt_r", partition) + diffNumber("__pgt_r", partition) + " AS __pgt_k FROM " + storage + " AS __pgt_r"),
    new Statement("CREATE TEMP TABLE " + newRows + " AS SELECT __pgt_r AS __pgt_img, "
      + diffPartition("__pgt_r", partition) + diffNumber("__pgt_r", partition) + " AS __pgt_k FROM " + fresh + " AS __pgt_r"),
    new Statement("DELETE FROM " + storage + " WHERE ctid IN (SELECT o.__pgt_ctid FROM " + oldRows + " AS o WHERE NOT EXISTS (SELECT 1 FROM "
      + newRows + " AS n WHERE " + matches + "))", Counting.Deleted),
    new Statement("INSERT INTO " + storage + " SELECT (n.__pgt_img).* FROM " + newRows + " AS n WHERE NOT EXISTS (SELECT 1 FROM "
      + oldRows + " AS o WHERE " + matches + ")", Counting.Inserted),
    new Statement("DROP TABLE " + newRows + ", " + oldRows + ", " + fresh),
  ];
}

/** The partition column of a diff side, selected as __pgt_p ("" without one). */
function diffPartition(alias: string, partition: string): string {
  return partition.length > 0 ? alias + "." + partition + " AS __pgt_p, " : "";
}

/**
 * A row's number among the identical rows of its partition (0, 1, ...): row_number less rank in
 * binary-image order, whose peers are identical images. Old and new rows pair up by image and
 * this number, so a row added or removed shifts the number of no other row.
 */
function diffNumber(alias: string, partition: string): string {
  const window = "(" + (partition.length > 0 ? "PARTITION BY " + alias + "." + partition + " " : "")
    + "ORDER BY " + alias + " USING OPERATOR(pg_catalog.*<))";
  return "row_number() OVER " + window + " - rank() OVER " + window;
}

/** The SQL listing the stored versions (ctids) of the rows of stream table `storage` whose row ids are in $1. */
export function rowVersionsSelect(storage: string): string {
  return "SELECT string_agg(st.ctid::text, ',' ORDER BY st.ctid) FROM " + storage + " AS st WHERE st.__pgt_row_id = ANY($1::bigint[])";
}

/**
 * `sql` without the delta terms that need the delta of a source outside `changed` (source oids):
 * such a term is empty, and planning it costs as much as planning any other. Terms sit between
 * TERM_START and TERM_END, separated by UNION ALL (operators/join.ts); a term naming no source
 * is always kept, and so is every term if none would be left.
 */
export function pruneTerms(sql: string, changed: string[]): string {
  const first = sql.indexOf(TERM_START);
  if (first < 0) return sql;
  const last = sql.lastIndexOf(TERM_END) + TERM_END.length;
  const kept: string[] = [];
  let pos = first;
  for (;;) {
    const start = sql.indexOf(TERM_START, pos);
    if (start < 0 || start >= last) break;
    const header = sql.indexOf("*/", start + TERM_START.length);
    const end = sql.indexOf(TERM_END, header) + TERM_END.length;
    const needs = sql.substring(start + TERM_START.length, header);
    let keep = true;
    if (needs.length > 0) {
      const oids = needs.split(",");
      for (let i = 0; i < oids.length; i++) if (!changed.includes(oids[i])) keep = false;
    }
    if (keep) kept.push(sql.substring(start, end));
    pos = end;
  }
  if (kept.length == 0) return sql;
  return sql.substring(0, first) + kept.join("\nUNION ALL\n") + sql.substring(last);
}

/** Reads the statements of a stored program's `field`. */
export function readStatements(program: Json, field: string): Statement[] {
  const items = program.arr(field);
  const out: Statement[] = [];
  for (let i = 0; i < items.length; i++) {
    const c = items[i].str("counting");
    const counting = c == "inserted" ? Counting.Inserted : c == "returned" ? Counting.Returned
      : c == "deleted" ? Counting.Deleted : Counting.None;
    out.push(new Statement(items[i].str("sql"), counting));
  }
  return out;
}

/**
 * Bookkeeping after every refresh, run under the refresh snapshot: records that snapshot as the
 * new frontier and data_timestamp (the data is current as of now), last_refresh_at when the
 * refresh applied anything (schedules count from it, so a change arriving after an idle period
 * is applied at once) (with this transaction's xid and the change sequence position, see
 * operators/scan.ts), clears the error count, and appends the history row — except for a
 * scheduled refresh that found nothing to do, which would otherwise add a row every period, and
 * for the refresh an IMMEDIATE trigger runs after every writing statement (which also leaves
 * effective_refresh_mode as it is).
 * Parameters: $5 action, $6 rows inserted, $7 rows deleted, $8 initiated_by, $9 start time,
 * $10 pgt_id, $11 delta rows, $12 was_full_fallback, $13 the reason for the action (also the
 * fallback_reason of a FULL one). `current`: the installed SQL objects are this version's;
 * between installing a new library and ALTER EXTENSION ... UPDATE the history has no
 * decision_reason column yet, and refreshes go on without it.
 */
export function finishSql(current: bool): string {
  return `WITH __pgt_u AS (
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
  rows_inserted, rows_deleted, delta_row_count, was_full_fallback, fallback_reason, status, initiated_by${current ? ", decision_reason" : ""})
SELECT pgt_id, now(), $9::timestamptz, clock_timestamp(), $5, $6::bigint, $7::bigint, $11::bigint,
  $12::bool, CASE WHEN $5 = 'FULL' OR $12::bool THEN $13 END, 'COMPLETED', $8${current ? ", $13" : ""}
FROM __pgt_u
WHERE ($5 <> 'NO_DATA' OR $8 <> 'SCHEDULER') AND $8 <> 'IMMEDIATE'`;
}
