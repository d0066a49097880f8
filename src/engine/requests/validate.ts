/**
 * @fileoverview `validate`: what create would do with a defining query, without creating anything
 * — for pgtrickle.validate_query and pgtrickle.explain_query_rewrite. An error that no refresh
 * mode gets past (bad SQL, an unknown table, a reserved column name) is returned as create
 * returns it; whether DIFFERENTIAL and IMMEDIATE can maintain the query, and why not, is data.
 */

import { Json, JsonObjectWriter, jsonArray, jsonString } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { errorSqlstate } from "../errors/codes.generated";
import { AnalyzedQuery } from "../analyze/analyzed-query";
import { resolveTargetName } from "../analyze/catalog";
import { Statement } from "../refresh/statement";
import { PNode } from "../nodes/parse-node";
import { boundRecursion } from "../analyze/recursion-bound";
import { quoteIdent } from "../sqlgen/quote";
import { readDefiningQuery, compileQuery, checkOutputNames, DefiningQuery } from "./create";

/** The name the rewritten statements write to: the stream table is not created. */
const PLACEHOLDER = "new_stream_table";

/**
 * Handles `{"op":"validate", query, parseTree|parseTreeJson, serverVersion, maxGroupingSetBranches,
 * topkMaxLimit, volatileFunctionPolicy}`: `{differentiable, autoMode, reason, sqlstate, hint,
 * warnings, operatorTree, immediate, rows}`, `rows` being (property, value) pairs in the order
 * explain_query_rewrite shows them.
 */
export function validateQuery(request: Json): string {
  const defining = readDefiningQuery(request);
  if (defining.error !== null) return errorResponse(changetype<EngineError>(defining.error));
  const analysis = defining.analysis;
  if (analysis.query !== null) {
    const nameError = checkOutputNames(changetype<AnalyzedQuery>(analysis.query));
    if (nameError !== null) return errorResponse(nameError);
  }
  const target = resolveTargetName(PLACEHOLDER);
  const differentiable = analysis.notDifferentiable === null;
  const compiled = compileQuery(defining, target === null ? "public" : target.schema, PLACEHOLDER, request.int("serverVersion", 180000),
    differentiable ? "DIFFERENTIAL" : "FULL", false);
  const program = compiled.program;
  const refusal = analysis.notDifferentiable;
  let immediate: string | null = !differentiable ? null
    : program.immediate !== null ? "statement triggers apply each statement's transition tables"
    : "a DIFFERENTIAL refresh at the end of each statement writing its sources";
  if (immediate !== null && analysis.recursive) immediate = changetype<string>(immediate) + recursionBound(defining);

  const rows: string[] = [];
  addRow(rows, "AUTO refresh mode", differentiable ? "DIFFERENTIAL" : "FULL");
  if (refusal !== null) addRow(rows, "not differentiable", changetype<EngineError>(refusal).message);
  for (let i = 0; i < analysis.warnings.length; i++) addRow(rows, "warning", analysis.warnings[i]);
  addRow(rows, "operator tree", program.operatorTree);
  for (let i = 0; i < program.sources.length; i++) {
    const s = program.sources[i];
    addRow(rows, "source", s.schema + "." + s.name + (s.columns.length > 0 ? " (" + s.columns.join(", ") + ")" : ""));
  }
  if (immediate !== null) addRow(rows, "IMMEDIATE", changetype<string>(immediate));
  statementRows(rows, "FULL refresh", program.full);
  if (differentiable) statementRows(rows, "DIFFERENTIAL refresh", program.differential);

  const warnings: string[] = [];
  for (let i = 0; i < analysis.warnings.length; i++) warnings.push(jsonString(analysis.warnings[i]));
  const out = new JsonObjectWriter()
    .bool("differentiable", differentiable)
    .str("autoMode", differentiable ? "DIFFERENTIAL" : "FULL")
    .strOrNull("reason", refusal === null ? null : changetype<EngineError>(refusal).message)
    .strOrNull("sqlstate", refusal === null ? null : errorSqlstate(changetype<EngineError>(refusal).code))
    .strOrNull("hint", refusal === null ? null : changetype<EngineError>(refusal).hint)
    .raw("warnings", jsonArray(warnings))
    .str("operatorTree", program.operatorTree)
    .strOrNull("immediate", immediate)
    .raw("rows", jsonArray(rows));
  return okResponse(out.toString());
}

/** What IMMEDIATE mode bounds of a recursive query's recursion, as a continuation of the IMMEDIATE row. */
function recursionBound(defining: DefiningQuery): string {
  const bounded = boundRecursion(defining.query, changetype<PNode>(defining.raw), PLACEHOLDER);
  const parts: string[] = [];
  if (bounded.bounded.length > 0) {
    const names: string[] = [];
    for (let i = 0; i < bounded.bounded.length; i++) names.push(quoteIdent(bounded.bounded[i]));
    parts.push("the recursion of " + names.join(", ") + " bounded by pg_trickle.ivm_recursive_max_depth");
  }
  for (let i = 0; i < bounded.unbounded.length; i++) parts.push(bounded.unbounded[i]);
  return parts.length > 0 ? "; " + parts.join("; ") : "";
}

function addRow(rows: string[], property: string, value: string): void {
  rows.push(jsonArray([jsonString(property), jsonString(value)]));
}

/** One row per statement, numbered when there are several: `FULL refresh 2/3`. */
function statementRows(rows: string[], label: string, statements: Statement[]): void {
  for (let i = 0; i < statements.length; i++) {
    addRow(rows, statements.length == 1 ? label : label + " " + (i + 1).toString() + "/" + statements.length.toString(), statements[i].sql);
  }
}
