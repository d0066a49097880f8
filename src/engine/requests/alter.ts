/**
 * @fileoverview `alter`: changes a stream table's schedule, refresh mode or status in place.
 *
 * Switching to or from IMMEDIATE changes how changes reach the stream table: to IMMEDIATE, the
 * IMMEDIATE triggers are created, and for a one-table program, whose triggers read transition
 * tables, they replace the change buffer (dropped when no other stream table reads it); from
 * IMMEDIATE, the triggers go and change capture is set up again where it was dropped. Either way the frontier is forgotten and the
 * shim refreshes the table at once (`"refresh": true`), in the same transaction, with the
 * sources locked against writers, so the table is exact from the switch on. A WITH RECURSIVE
 * program is first compiled again for the new mode (`"rebuild": pgt_id`, the shim runs
 * `rebuild` for it): only IMMEDIATE bounds its recursion (analyze/recursion-bound.ts).
 */

import { Json, JsonKind, JsonObjectWriter, jsonArray, jsonString } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { FULL_MODE_HINT } from "../analyze/expressions";
import { lookupStreamTable, lookupRelation, bufferColumns } from "../analyze/catalog";
import { Statement, statementsJson } from "../refresh/statement";
import { quoteLiteral } from "../sqlgen/quote";
import { ensureCapture } from "../cdc/buffer";
import { immediateTriggers, isRecursiveProgram, notImmediate } from "./create";
import { parseDiamondOptions, parseRefreshMode, parseSchedule, rejectUnsupportedOptions } from "./options";
import { notAStreamTable } from "./drop";

/** Handles `{"op":"alter", name, options: {query?, schedule?, refresh_mode?, status?, ...}, minScheduleSeconds}`. */
export function alterStreamTable(request: Json): string {
  const options = request.get("options");
  if (options.has("query")) {
    return errorResponse(new EngineError(ErrorCode.UnsupportedConstruct, "changing the defining query is not supported yet")
      .withHint("Drop the stream table and create it again with the new query."));
  }
  const optionError = rejectUnsupportedOptions(request);
  if (optionError !== null) return errorResponse(optionError);
  const name = request.str("name");
  const st = lookupStreamTable(name);
  if (st === null) return errorResponse(notAStreamTable(name));

  const sets: string[] = [];
  const warnings: string[] = [];
  const switching: Statement[] = [];
  let refresh = false;
  let rebuild = false;
  if (options.has("schedule")) {
    const schedule = parseSchedule(options.get("schedule"), request.int("minScheduleSeconds", 1));
    if (schedule.error !== null) return errorResponse(changetype<EngineError>(schedule.error));
    const value = schedule.value;
    sets.push("schedule = " + (value === null ? "NULL" : quoteLiteral(value)));
  }
  if (options.has("refresh_mode")) {
    const mode = parseRefreshMode(options.str("refresh_mode"));
    if (mode.error !== null) return errorResponse(changetype<EngineError>(mode.error));
    const program = st.get("program");
    const differentiable = program.bool("differentiable");
    let effective = mode.mode;
    if (!differentiable && mode.mode == "DIFFERENTIAL") {
      return errorResponse(new EngineError(ErrorCode.UnsupportedConstruct, program.str("reason")).withHint(FULL_MODE_HINT));
    }
    if (!differentiable && mode.mode == "IMMEDIATE") {
      return errorResponse(notImmediate(new EngineError(ErrorCode.UnsupportedConstruct, program.str("reason"))));
    }
    if (mode.mode == "AUTO") {
      effective = differentiable ? "DIFFERENTIAL" : "FULL";
      if (!differentiable) warnings.push(jsonString("stream table \"" + st.str("name") + "\" will use FULL refresh: " + program.str("reason")));
    }
    sets.push("refresh_mode = " + quoteLiteral(effective));
    sets.push("requested_mode = " + quoteLiteral(mode.requested));
    const wasImmediate = st.str("refreshMode") == "IMMEDIATE";
    if (wasImmediate != (effective == "IMMEDIATE")) {
      const switchError = switchImmediate(st, effective == "IMMEDIATE", switching);
      if (switchError !== null) return errorResponse(switchError);
      sets.push("frontier = NULL");
      refresh = true;
      // IMMEDIATE bounds a recursion, the other modes do not: the query is compiled again for the new mode.
      rebuild = isRecursiveProgram(program);
    }
  }
  if (options.has("status")) {
    const status = options.str("status").trim().toUpperCase();
    if (status != "ACTIVE" && status != "SUSPENDED") {
      return errorResponse(new EngineError(ErrorCode.InvalidArgument, "invalid status \"" + options.str("status") + "\"")
        .withHint("Use 'ACTIVE' or 'SUSPENDED'."));
    }
    sets.push("status = " + quoteLiteral(status));
    if (status == "ACTIVE") sets.push("consecutive_errors = 0");
  }
  const diamonds = parseDiamondOptions(options);
  if (diamonds.error !== null) return errorResponse(changetype<EngineError>(diamonds.error));
  const diamondSets = diamonds.assignments();
  for (let i = 0; i < diamondSets.length; i++) sets.push(diamondSets[i]);
  const statements: Statement[] = [];
  if (sets.length > 0) {
    sets.push("updated_at = now()");
    statements.push(new Statement("UPDATE pgtrickle.pgt_stream_tables SET " + sets.join(", ") + " WHERE pgt_id = " + st.str("pgtId")));
  }
  for (let i = 0; i < switching.length; i++) statements.push(switching[i]);
  const response = new JsonObjectWriter().raw("warnings", jsonArray(warnings)).raw("statements", statementsJson(statements))
    .bool("refresh", refresh);
  return okResponse((rebuild ? response.str("rebuild", st.str("pgtId")) : response).toString());
}

/** Appends to `out` the statements that move stream table `st` to IMMEDIATE maintenance (`toImmediate`) or back to change capture. */
function switchImmediate(st: Json, toImmediate: bool, out: Statement[]): EngineError | null {
  const pgtId = st.str("pgtId");
  const storage = st.get("program").str("storage");
  if (toImmediate) {
    out.push(immediateTriggers(storage, true));
    // A one-table program reads transition tables: its change capture may go. Any other keeps it.
    if (st.get("program").get("immediate").kind == JsonKind.Object) {
      out.push(new Statement("UPDATE pgtrickle.pgt_dependencies SET cdc_mode = 'immediate' WHERE pgt_id = " + pgtId));
      out.push(new Statement("SELECT pgtrickle._drop_orphan_capture()"));
      return null;
    }
  } else {
    out.push(immediateTriggers(storage, false));
  }
  const sources = st.get("program").arr("sources");
  for (let i = 0; i < sources.length; i++) {
    const source = lookupRelation(sources[i].str("schema"), sources[i].str("name"));
    if (source === null || source.oid != sources[i].str("oid")) {
      return new EngineError(ErrorCode.UndefinedTable, "source \"" + sources[i].str("schema") + "." + sources[i].str("name")
        + "\" of stream table \"" + st.str("name") + "\" was renamed or dropped")
        .withHint("Drop the stream table and create it again.");
    }
    const columns: string[] = [];
    const used = sources[i].arr("columns");
    for (let c = 0; c < used.length; c++) columns.push(used[c].text);
    const capture = ensureCapture(source, columns, bufferColumns(source.oid));
    for (let c = 0; c < capture.length; c++) out.push(capture[c]);
  }
  out.push(new Statement("UPDATE pgtrickle.pgt_dependencies SET cdc_mode = 'trigger' WHERE pgt_id = " + pgtId));
  return null;
}
