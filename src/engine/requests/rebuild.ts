/**
 * @fileoverview `rebuild`: recompiles an existing stream table's defining query with this engine —
 * run by `pgtrickle._upgrade_stream_tables()` at the end of ALTER EXTENSION ... UPDATE, so a
 * stream table created by an earlier version gets this version's refresh program (and the IMMEDIATE
 * triggers it needs) and its sources this version's capture functions; by relinking after a
 * restore; and by the refresh that reinitializes a stream table whose view was replaced (its
 * tables may differ: dependencies are written again and capture nobody needs is dropped).
 * Storage, catalog row, frontier and buffered changes stay: the next refresh continues where the
 * last one stopped. The shim has set the search_path the stream table was created with.
 */

import { Json, JsonObjectWriter } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { Statement, statementsJson } from "../refresh/statement";
import { quoteLiteral } from "../sqlgen/quote";
import { compileQuery, readDefiningQuery, dependencyRows } from "./create";
import { lookupRelation } from "../analyze/catalog";
import { ErrorCode } from "../errors/codes.generated";

/**
 * Null when the stored table has the columns the recompiled program writes, in that order; else
 * the error (a replaced view changed what the defining query returns). A FULL-only program
 * (`columns` empty) writes the query's own columns and is not checked.
 */
function checkStorage(schema: string, name: string, columns: string[]): EngineError | null {
  if (columns.length == 0) return null;
  const storage = lookupRelation(schema, name);
  if (storage === null) return null;
  const stored: string[] = [];
  for (let i = 0; i < storage.columns.length; i++) stored.push(storage.columns[i].name);
  if (stored.join("\u0000") == columns.join("\u0000")) return null;
  return new EngineError(ErrorCode.InvalidTableDefinition, "the defining query of stream table \"" + name + "\" no longer produces its columns")
    .withDetail("The stream table has columns (" + stored.join(", ") + "); its query now produces (" + columns.join(", ") + ").")
    .withHint("A view it reads was probably replaced. Drop the stream table and create it again.");
}

/** Handles `{"op":"rebuild", pgtId, schema, name, query, parseTree|parseTreeJson, serverVersion, refreshMode}`. */
export function rebuildStreamTable(request: Json): string {
  const defining = readDefiningQuery(request);
  if (defining.error !== null) return errorResponse(changetype<EngineError>(defining.error));
  const mode = request.str("refreshMode");
  const compiled = compileQuery(defining, request.str("schema"), request.str("name"), request.int("serverVersion", 180000), mode, true);
  const layoutError = checkStorage(request.str("schema"), request.str("name"), compiled.columns);
  if (layoutError !== null) return errorResponse(layoutError);
  const pgtId = request.int("pgtId").toString();
  const statements: Statement[] = compiled.capture;
  statements.push(new Statement("UPDATE pgtrickle.pgt_stream_tables SET refresh_program = " + quoteLiteral(compiled.program.toJson())
    + "::jsonb, updated_at = now() WHERE pgt_id = " + pgtId));
  statements.push(new Statement("DELETE FROM pgtrickle.pgt_dependencies WHERE pgt_id = " + pgtId));
  dependencyRows(statements, "pgt_id = " + pgtId, mode, compiled.program);
  // The IMMEDIATE triggers the new program needs on the (perhaps new) sources; those in place stay.
  if (mode == "IMMEDIATE") statements.push(new Statement("SELECT pgtrickle._immediate_triggers(" + pgtId + ", true)"));
  statements.push(new Statement("SELECT pgtrickle._drop_orphan_capture()"));
  return okResponse(new JsonObjectWriter().raw("statements", statementsJson(statements)).toString());
}
