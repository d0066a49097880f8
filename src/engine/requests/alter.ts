/** @fileoverview `alter`: changes a stream table's schedule, refresh mode or status in place. */

import { Json, JsonObjectWriter, jsonArray, jsonString } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { FULL_MODE_HINT } from "../analyze/expressions";
import { lookupStreamTable } from "../analyze/catalog";
import { Statement, statementsJson } from "../refresh/statement";
import { quoteLiteral } from "../sqlgen/quote";
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
    if (mode.mode == "AUTO") {
      effective = differentiable ? "DIFFERENTIAL" : "FULL";
      if (!differentiable) warnings.push(jsonString("stream table \"" + st.str("name") + "\" will use FULL refresh: " + program.str("reason")));
    }
    sets.push("refresh_mode = " + quoteLiteral(effective));
    sets.push("requested_mode = " + quoteLiteral(mode.requested));
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
  return okResponse(new JsonObjectWriter().raw("warnings", jsonArray(warnings)).raw("statements", statementsJson(statements)).toString());
}
