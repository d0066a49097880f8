/**
 * @fileoverview `drop`: removes a stream table — its storage, catalog rows (history goes with
 * them), its IMMEDIATE triggers, and the change capture of every source no other stream table
 * still reads.
 */

import { Json, JsonObjectWriter } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { lookupStreamTable } from "../analyze/catalog";
import { dropCapture } from "../cdc/buffer";
import { Statement, statementsJson } from "../refresh/statement";
import { immediateTriggers } from "./create";

/** The error for a name that is not a stream table. */
export function notAStreamTable(name: string): EngineError {
  return new EngineError(ErrorCode.UndefinedTable, "stream table \"" + name + "\" does not exist")
    .withHint("pgtrickle.pgt_stream_tables lists the stream tables.");
}

/**
 * Handles `{"op":"drop", name, cascade}`. Stream tables that read this one block the drop, or
 * with `cascade` are dropped first (and theirs before them).
 */
export function dropStreamTable(request: Json): string {
  const name = request.str("name");
  const st = lookupStreamTable(name);
  if (st === null) return errorResponse(notAStreamTable(name));
  const dependents = st.arr("dependents");
  if (dependents.length > 0 && !request.bool("cascade")) {
    const names: string[] = [];
    for (let i = 0; i < dependents.length; i++) names.push(dependents[i].text);
    return errorResponse(new EngineError(ErrorCode.DependentObjects, "cannot drop stream table \"" + name + "\" because other stream tables depend on it")
      .withDetail("Stream tables reading it: " + names.join(", ") + ".")
      .withHint("Drop them first, or use cascade => true to drop them too."));
  }
  const out: Statement[] = [];
  // Depth-first: every stream table's readers go before it.
  const order: Json[] = [];
  const seen: string[] = [];
  collectReaders(st, order, seen, 0);
  for (let i = 0; i < order.length; i++) dropOne(order[i], out);
  return okResponse(new JsonObjectWriter().str("storage", st.get("program").str("storage")).raw("statements", statementsJson(out)).toString());
}

/** Appends the readers of `st` (recursively), then `st` itself, each once. */
function collectReaders(st: Json, order: Json[], seen: string[], depth: i32): void {
  if (seen.includes(st.str("pgtId")) || depth > 100) return;
  seen.push(st.str("pgtId"));
  const dependents = st.arr("dependents");
  for (let i = 0; i < dependents.length; i++) {
    const reader = lookupStreamTable(dependents[i].text);
    if (reader !== null) collectReaders(reader, order, seen, depth + 1);
  }
  order.push(st);
}

/**
 * The statements dropping one stream table and the capture only it needed. The sql_drop event
 * trigger would remove that capture as well, but event triggers do not fire under
 * session_replication_role = replica, so drop_stream_table does not rely on it.
 */
function dropOne(st: Json, out: Statement[]): void {
  if (st.str("refreshMode") == "IMMEDIATE") out.push(immediateTriggers(st.get("program").str("storage"), false));
  out.push(new Statement("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + st.str("pgtId")));
  out.push(new Statement("DROP TABLE IF EXISTS " + st.get("program").str("storage")));
  const sources = st.arr("sources");
  for (let i = 0; i < sources.length; i++) {
    if (sources[i].str("cdcMode") != "trigger" || sources[i].int("otherConsumers") > 0) continue;
    const drops = dropCapture(sources[i].str("oid"));
    for (let d = 0; d < drops.length; d++) out.push(drops[d]);
  }
}
