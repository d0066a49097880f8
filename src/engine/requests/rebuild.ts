/**
 * @fileoverview `rebuild`: recompiles an existing stream table's defining query with this engine —
 * run by `pgtrickle._upgrade_stream_tables()` at the end of ALTER EXTENSION ... UPDATE, so a
 * stream table created by an earlier version gets this version's refresh program (an IMMEDIATE
 * program, for instance) and its sources this version's capture functions. Storage, catalog row,
 * frontier and buffered changes stay: the refresh after the upgrade continues where the last one
 * stopped. The shim has set the search_path the stream table was created with.
 */

import { Json, JsonObjectWriter } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { Statement, statementsJson } from "../refresh/statement";
import { quoteLiteral } from "../sqlgen/quote";
import { compileQuery, readDefiningQuery } from "./create";

/** Handles `{"op":"rebuild", pgtId, schema, name, query, parseTree|parseTreeJson, serverVersion, refreshMode}`. */
export function rebuildStreamTable(request: Json): string {
  const defining = readDefiningQuery(request);
  if (defining.error !== null) return errorResponse(changetype<EngineError>(defining.error));
  const mode = request.str("refreshMode");
  const compiled = compileQuery(defining, request.str("schema"), request.str("name"), request.int("serverVersion", 180000),
    mode != "IMMEDIATE", true);
  const statements: Statement[] = compiled.capture;
  statements.push(new Statement("UPDATE pgtrickle.pgt_stream_tables SET refresh_program = " + quoteLiteral(compiled.program.toJson())
    + "::jsonb, updated_at = now() WHERE pgt_id = " + request.int("pgtId").toString()));
  return okResponse(new JsonObjectWriter().raw("statements", statementsJson(statements)).toString());
}
