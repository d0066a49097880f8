/**
 * @fileoverview `relink`: makes stream tables restored by pg_dump / pg_restore (or copied with
 * CREATE DATABASE ... TEMPLATE, or carried over by pg_upgrade) work in the database they are now in.
 *
 * A catalog row is "restored" when its database_identity (system identifier / database oid) is
 * not this database's. Its OIDs then name the old database's relations, and the transaction ids
 * in its frontier and in the rows of its change buffers are the old cluster's. Relinking:
 * - re-resolves the stream table and its sources by name (the program lists them): pgt_relid,
 *   the pgt_dependencies rows (dumped empty, written again as create writes them), and, through
 *   the shim's `rebuild`, the refresh program; buffers and capture functions, named after their
 *   source's OID, are renamed in two phases (an old OID may be another source's new one);
 * - maps every transaction id of the old cluster that the restored frontiers and buffers hold
 *   into [3, horizon), where horizon is the oldest transaction still running here. The map keeps
 *   order and keeps every frontier's breakpoints (xmin, xmax, in-progress ids, own xid) distinct,
 *   so "visible in frontier F" is the same question before and after for every buffered row; the
 *   images are older than anything running now, so every future snapshot sees those rows and
 *   every future change stays outside every mapped frontier. The next refresh is DIFFERENTIAL
 *   and applies exactly what was pending at dump time plus what changed since;
 * - moves the change sequence past every restored sequence value.
 * It waits ("not ready") while the restore is still loading: a stream table or buffer without its
 * indexes, a source without its capture triggers. A stream table whose source is not in this
 * database becomes ERROR with the reason; one whose own table is missing is forgotten.
 * Relinking assumes nothing wrote to the restored sources before it ran: the shim runs it when the
 * restore creates the last index or trigger it waits for, and before every other use.
 */

import { Json, JsonObjectWriter, jsonArray, jsonString } from "../util/json";
import { okResponse } from "../errors/engine-error";
import { Statement, statementsJson } from "../refresh/statement";
import { quoteIdent, quoteLiteral } from "../sqlgen/quote";
import { bufferTable } from "../operators/scan";
import { captureFunction, dropCapture } from "../cdc/buffer";
import { relinkSurvey } from "../analyze/catalog";
import { ProgramSource } from "../refresh/program";
import { sourceType, cdcMode } from "./create";

/** The lowest normal transaction id (0, 1 and 2 are invalid, bootstrap and frozen). */
const FIRST_NORMAL_XID: u64 = 3;

/** Handles `{"op":"relink"}`: answers `{ready, reason, statements, rebuild, warnings}`. */
export function relinkStreamTables(request: Json): string {
  const survey = relinkSurvey();
  return planRelink(survey === null ? Json.nullValue() : survey);
}

/** The relink plan for a survey (see relinkSurvey); separate so tests can give any survey. */
export function planRelink(survey: Json): string {
  const rows = survey.arr("rows");
  if (rows.length == 0) {
    return okResponse(new JsonObjectWriter().bool("ready", true).raw("statements", "[]").strings("rebuild", []).raw("warnings", "[]").toString());
  }
  const notReady = readiness(rows);
  if (notReady !== null) {
    return okResponse(new JsonObjectWriter().bool("ready", false).str("reason", notReady).toString());
  }
  const out: Statement[] = [];
  const warnings: string[] = [];
  const rebuild: string[] = [];
  const buffers = new Map<string, string>(); // old source oid -> new source oid ("" when the source is gone)
  for (let i = 0; i < rows.length; i++) {
    const sources = rows[i].arr("sources");
    for (let j = 0; j < sources.length; j++) {
      if (sourceCdc(rows[i], sources[j]) == "trigger" && sources[j].has("buffer")) {
        buffers.set(sources[j].str("oldOid"), sources[j].str("oid"));
      }
    }
  }
  const oldOids = buffers.keys();
  for (let i = 0; i < oldOids.length; i++) {
    out.push(new Statement("LOCK TABLE " + bufferTable(oldOids[i]) + " IN EXCLUSIVE MODE"));
  }
  remapTransactionIds(rows, oldOids, survey.str("horizon"), out, warnings);
  relinkCatalog(rows, survey.str("identity"), out, warnings, rebuild);
  renameCapture(buffers, out);
  return okResponse(new JsonObjectWriter().bool("ready", true)
    .raw("statements", statementsJson(out))
    .strings("rebuild", rebuild)
    .raw("warnings", jsonArray(warnings)).toString());
}

/**
 * How changes of `source` of stream table `row` are captured, as create sets it. The dump holds
 * no dependency rows (pgt_dependencies is dumped empty, see the catalog): they follow from the
 * program and are written again here.
 */
function sourceCdc(row: Json, source: Json): string {
  return cdcMode(source.str("relkind"), row.str("refreshMode"), row.bool("differentiable"), row.bool("statementTriggers"), source.str("role"));
}

function qualified(row: Json): string {
  return quoteIdent(row.str("schema")) + "." + quoteIdent(row.str("name"));
}

/**
 * Why the restore is not complete yet, or null when everything relinking reads is in place. Every
 * buffer relinking touches must have its index (its rows are loaded), even that of a source or
 * stream table left out of the dump, which relinking drops: the restore still indexes it.
 */
function readiness(rows: Json[]): string | null {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const present = row.has("storage");
    if (present && !row.get("storage").bool("loaded")) return "the indexes of stream table " + qualified(row) + " are not restored yet";
    const sources = row.arr("sources");
    for (let j = 0; j < sources.length; j++) {
      const s = sources[j];
      const cdc = sourceCdc(row, s);
      if (cdc == "trigger" && s.has("buffer") && !s.get("buffer").bool("loaded")) {
        return "the change buffer of source " + qualified(s) + " is not restored yet";
      }
      if (!present || !s.has("oid")) continue;
      if (cdc == "trigger") {
        if (!s.has("buffer")) return "the change buffer of source " + qualified(s) + " is missing";
        if (!s.bool("captured")) return "the capture triggers of source " + qualified(s) + " are not restored yet";
      } else if (cdc == "immediate" && s.str("role") != "ancestor" && !s.bool("immediate")) {
        return "the IMMEDIATE triggers of stream table " + qualified(row) + " on source " + qualified(s) + " are not restored yet";
      }
    }
  }
  return null;
}

/** A frontier snapshot's parts: xmin, xmax and the in-progress ids. */
class Snapshot {
  xmin: u64 = 0;
  xmax: u64 = 0;
  xip: u64[] = [];
}

function parseSnapshot(text: string): Snapshot {
  const parts = text.split(":");
  const s = new Snapshot();
  s.xmin = U64.parseInt(parts[0]);
  s.xmax = U64.parseInt(parts[1]);
  if (parts.length > 2 && parts[2].length > 0) {
    const ids = parts[2].split(",");
    for (let i = 0; i < ids.length; i++) s.xip.push(U64.parseInt(ids[i]));
  }
  return s;
}

/** The sorted distinct breakpoints of every restored frontier. */
function breakpoints(rows: Json[]): u64[] {
  const all: u64[] = [];
  for (let i = 0; i < rows.length; i++) {
    const f = rows[i].get("frontier");
    if (!f.has("snapshot")) continue;
    const s = parseSnapshot(f.str("snapshot"));
    all.push(s.xmin);
    all.push(s.xmax);
    for (let k = 0; k < s.xip.length; k++) all.push(s.xip[k]);
    if (f.has("own_xid")) all.push(U64.parseInt(f.str("own_xid")));
  }
  all.sort((a: u64, b: u64): i32 => (a < b ? -1 : a > b ? 1 : 0));
  const out: u64[] = [];
  for (let i = 0; i < all.length; i++) if (out.length == 0 || out[out.length - 1] != all[i]) out.push(all[i]);
  return out;
}

/** The image of `x`: one id per breakpoint, one per gap between breakpoints, order kept. */
export function mapXid(points: u64[], x: u64): u64 {
  let below: u64 = 0;
  let equal: u64 = 0;
  for (let i = 0; i < points.length; i++) {
    if (points[i] < x) below++;
    else if (points[i] == x) equal = 1;
  }
  return FIRST_NORMAL_XID + 2 * below + equal;
}

function mappedFrontier(points: u64[], frontier: Json): string {
  const s = parseSnapshot(frontier.str("snapshot"));
  const xip: string[] = [];
  for (let i = 0; i < s.xip.length; i++) xip.push(mapXid(points, s.xip[i]).toString());
  const xmin = mapXid(points, s.xmin).toString();
  return new JsonObjectWriter()
    .str("snapshot", xmin + ":" + mapXid(points, s.xmax).toString() + ":" + xip.join(","))
    .str("xmin", xmin)
    .strOrNull("own_xid", frontier.has("own_xid") ? mapXid(points, U64.parseInt(frontier.str("own_xid"))).toString() : null)
    .str("own_seq", frontier.str("own_seq", "0"))
    .toString();
}

/**
 * Statements mapping the old cluster's transaction ids in the restored buffers and frontiers
 * (see the file comment), and moving the change sequence past the restored rows. When the
 * images would not fit below `horizon` (a cluster younger than the number of breakpoints), the
 * restored stream tables instead lose their frontier and refresh from scratch once, and their
 * buffered changes, which that refresh includes, are deleted.
 */
function remapTransactionIds(rows: Json[], oldOids: string[], horizon: string, out: Statement[], warnings: string[]): void {
  const points = breakpoints(rows);
  const fits = FIRST_NORMAL_XID + 2 * <u64>points.length + 1 <= U64.parseInt(horizon);
  const seqs: string[] = ["1", "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM pgtrickle_changes.change_seq)"];
  const literal: string[] = [];
  for (let i = 0; i < points.length; i++) literal.push(points[i].toString());
  const array = quoteLiteral("{" + literal.join(",") + "}") + "::xid8[]";
  for (let i = 0; i < oldOids.length; i++) {
    const buffer = bufferTable(oldOids[i]);
    seqs.push("(SELECT max(__pgt_seq) FROM " + buffer + ")");
    if (!fits) {
      out.push(new Statement("DELETE FROM " + buffer));
    } else if (points.length > 0) {
      out.push(new Statement("UPDATE " + buffer + " SET __pgt_xid = (" + FIRST_NORMAL_XID.toString()
        + " + 2 * (SELECT count(*) FROM unnest(" + array + ") AS p WHERE p < __pgt_xid)"
        + " + (__pgt_xid = ANY (" + array + "))::int)::text::xid8"));
    }
  }
  for (let i = 0; i < rows.length; i++) {
    const f = rows[i].get("frontier");
    if (!f.has("snapshot")) continue;
    seqs.push(f.str("own_seq", "0"));
    const set = fits ? "frontier = " + quoteLiteral(mappedFrontier(points, f)) + "::jsonb" : "frontier = NULL";
    out.push(new Statement("UPDATE pgtrickle.pgt_stream_tables SET " + set + " WHERE pgt_id = " + rows[i].str("pgtId")));
  }
  if (!fits && points.length > 0) {
    warnings.push(jsonString("restored stream tables refresh from scratch once: this cluster has run too few transactions ("
      + horizon + ") to carry over their frontiers"));
  }
  out.push(new Statement("SELECT setval('pgtrickle_changes.change_seq', GREATEST(" + seqs.join(", ") + "))"));
}

/**
 * Statements pointing the catalog at this database's relations: pgt_relid (parked first on ids
 * below FirstNormalObjectId, which no user relation has, so no two rows ever hold the same value),
 * the dependencies, the database identity; ERROR for a missing source, and removal of a row whose
 * table was not restored. `rebuild` gets the stream tables whose program the shim recompiles.
 */
function relinkCatalog(rows: Json[], identity: string, out: Statement[], warnings: string[], rebuild: string[]): void {
  for (let i = 0; i < rows.length; i++) {
    out.push(new Statement("UPDATE pgtrickle.pgt_stream_tables SET pgt_relid = " + (i + 1).toString()
      + " WHERE pgt_id = " + rows[i].str("pgtId")));
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const id = row.str("pgtId");
    if (!row.has("storage")) {
      warnings.push(jsonString("stream table " + qualified(row) + " was not restored (its table is missing); its definition is removed"));
      out.push(new Statement("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
      continue;
    }
    const sets: string[] = ["pgt_relid = " + row.get("storage").str("oid"), "database_identity = " + quoteLiteral(identity), "updated_at = now()"];
    const values: string[] = [];
    const missing: string[] = [];
    const sources = row.arr("sources");
    for (let j = 0; j < sources.length; j++) {
      const s = sources[j];
      if (!s.has("oid")) { missing.push(s.str("schema") + "." + s.str("name")); continue; }
      const columns: string[] = [];
      const used = s.arr("columns");
      for (let k = 0; k < used.length; k++) columns.push(quoteLiteral(used[k].text));
      const type = sourceType(new ProgramSource(s.str("oid"), s.str("schema"), s.str("name"), s.str("relkind"), [], s.bool("isStreamTable")));
      values.push("(" + id + ", " + s.str("oid") + ", " + quoteLiteral(type) + ", ARRAY[" + columns.join(", ") + "]::text[], "
        + quoteLiteral(sourceCdc(row, s)) + ")");
    }
    out.push(new Statement("DELETE FROM pgtrickle.pgt_dependencies WHERE pgt_id = " + id));
    if (values.length > 0) {
      out.push(new Statement("INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode) VALUES "
        + values.join(", ")));
    }
    if (missing.length > 0) {
      const message = "source table " + missing.join(", ") + " is not in this database (it was not part of the restored dump)";
      sets.push("status = 'ERROR', needs_reinit = true, last_error_at = now(), last_error_message = " + quoteLiteral(message));
      warnings.push(jsonString("stream table " + qualified(row) + " is in status ERROR: " + message));
    } else if (row.str("status") != "ERROR") {
      rebuild.push(id);
    }
    out.push(new Statement("UPDATE pgtrickle.pgt_stream_tables SET " + sets.join(", ") + " WHERE pgt_id = " + id));
  }
}

/**
 * Renames each restored buffer and capture function to its source's new OID, through a
 * temporary name; drops the capture of a source that is gone. Every restored buffer is moved
 * aside before anything is dropped: a DROP fires the sql_drop event trigger, whose orphan sweep
 * would take a buffer still named after an OID no dependency has any more. Whatever holds a
 * final name after the first phase belongs to no restored stream table, and makes way. The
 * capture function's body still names the old buffer until the shim's rebuild replaces it, in
 * this same transaction.
 */
function renameCapture(buffers: Map<string, string>, out: Statement[]): void {
  const olds = buffers.keys();
  const moved: string[] = [];
  for (let i = 0; i < olds.length; i++) {
    const now = buffers.get(olds[i]);
    if (now == "" || now == olds[i]) continue;
    out.push(new Statement("ALTER TABLE " + bufferTable(olds[i]) + " RENAME TO " + quoteIdent(PARKED + "changes_" + olds[i])));
    out.push(new Statement("ALTER FUNCTION " + captureFunction(olds[i]) + "() RENAME TO " + quoteIdent(PARKED + "capture_" + olds[i])));
    moved.push(olds[i]);
  }
  for (let i = 0; i < olds.length; i++) {
    if (buffers.get(olds[i]) == "") dropCaptureOf(olds[i], out);
  }
  for (let i = 0; i < moved.length; i++) {
    const now = buffers.get(moved[i]);
    dropCaptureOf(now, out);
    out.push(new Statement("ALTER TABLE pgtrickle_changes." + quoteIdent(PARKED + "changes_" + moved[i]) + " RENAME TO " + quoteIdent("changes_" + now)));
    out.push(new Statement("ALTER FUNCTION pgtrickle_changes." + quoteIdent(PARKED + "capture_" + moved[i]) + "() RENAME TO " + quoteIdent("capture_" + now)));
  }
}

/** Prefix of a buffer or capture function moved aside while relinking. */
const PARKED = "__pgt_relink_";

function dropCaptureOf(oid: string, out: Statement[]): void {
  const drops = dropCapture(oid);
  for (let i = 0; i < drops.length; i++) out.push(drops[i]);
}
