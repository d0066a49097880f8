/** @fileoverview Routes a request to the phase that answers it and wraps the answer or error. */

import { parseJson, Json, JsonObjectWriter } from "./util/json";
import { EngineError, errorResponse, okResponse } from "./errors/engine-error";
import { ErrorCode } from "./errors/codes.generated";
import { hostCatalogQuery } from "./host/imports";
import { normalizeOperation } from "./nodes/canonical";
import { createStreamTable } from "./requests/create";
import { planRefresh } from "./requests/refresh";
import { dropStreamTable } from "./requests/drop";
import { rebuildStreamTable } from "./requests/rebuild";
import { alterStreamTable } from "./requests/alter";
import { relinkStreamTables } from "./requests/relink";
import { validateQuery } from "./requests/validate";
import { planSchedule } from "./schedule/due";

/** Answers one JSON request with one JSON response; never traps on bad user input. */
export function handleRequest(text: string): string {
  const parsed = parseJson(text);
  if (parsed.value === null) {
    if (parsed.tooDeep) {
      return errorResponse(new EngineError(ErrorCode.QueryTooComplex, "query is too complex")
        .withDetail("The request is nested more deeply than the engine accepts.")
        .withHint("Simplify the defining query."));
    }
    return errorResponse(new EngineError(ErrorCode.InternalProtocol, "malformed engine request: " + parsed.error));
  }
  const request = changetype<Json>(parsed.value);
  const op = request.str("op");
  if (op == "create") return createStreamTable(request);
  if (op == "refresh") return planRefresh(request);
  if (op == "drop") return dropStreamTable(request);
  if (op == "alter") return alterStreamTable(request);
  if (op == "rebuild") return rebuildStreamTable(request);
  if (op == "relink") return relinkStreamTables(request);
  if (op == "validate") return validateQuery(request);
  if (op == "schedule") return planSchedule(request);
  if (op == "normalize") return normalizeOperation(request);
  if (op == "echo") return echo(request);
  return errorResponse(new EngineError(ErrorCode.InternalProtocol, "unknown engine operation \"" + op + "\""));
}

/** Protocol self-test: returns `text`, and the host's answer to `query` when one is given. */
function echo(request: Json): string {
  const out = new JsonObjectWriter().str("text", request.str("text"));
  if (request.has("query")) out.strOrNull("answer", hostCatalogQuery(request.str("query")));
  return okResponse(out.toString());
}
