/**
 * @fileoverview `drop`: removes a stream table — its storage, catalog rows (history goes with
 * them) and the change capture of every source no other stream table still reads.
 */

import { Json, JsonObjectWriter } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { lookupStreamTable } from "../analyze/catalog";
import { dropCapture } from "../cdc/buffer";
import { Statement, statementsJson } from "../refresh/statement";
import { quoteLiteral } from "../sqlgen/quote";

/** The error for a name that is not a stream table. */
export function notAStreamTable(name: string): EngineError {
  return new EngineError(ErrorCode.UndefinedTable, "stream table \"" + name + "\" does not exist")
    .withHint("pgtrickle.pgt_stream_tables lists the stream tables.");
}

/** Handles `{"op":"drop", name}`. */
export function dropStreamTable(request: Json): string {
  const name = request.str("name");
  const st = lookupStreamTable(name);
  if (st === null) return errorResponse(notAStreamTable(name));
  const storage = st.get("program").str("storage");
  const out: Statement[] = [];
  out.push(new Statement("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + st.str("pgtId")));
  out.push(new Statement("DROP TABLE " + storage));
  const sources = st.arr("sources");
  for (let i = 0; i < sources.length; i++) {
    if (sources[i].str("cdcMode") != "trigger" || sources[i].int("otherConsumers") > 0) continue;
    const drops = dropCapture(sources[i].str("oid"));
    for (let d = 0; d < drops.length; d++) out.push(drops[d]);
  }
  return okResponse(new JsonObjectWriter().str("storage", storage).raw("statements", statementsJson(out)).toString());
}

/** SQL literal of `value`, or NULL. */
export function literalOrNull(value: string | null): string {
  return value === null ? "NULL" : quoteLiteral(value);
}
