/**
 * @fileoverview `refresh`: decides how to refresh a stream table now and returns the statements.
 * The shim has already taken the refresh snapshot and run the program's probe under it (pending
 * changes, TRUNCATE markers, source size); this decision is pure and cheap.
 */

import { Json, JsonKind, JsonObjectWriter } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { readStatements, pruneTerms, finishSql } from "../refresh/program";
import { Statement, statementsJson } from "../refresh/statement";
import { lookupRefreshCosts, RefreshCosts } from "../analyze/catalog";
import { chooseByCost } from "../refresh/cost-model";

/** A stream table's refresh costs, asked of the catalog at most once per decision, and only if needed. */
class CostsOnce {
  private costs: RefreshCosts | null = null;
  constructor(private pgtId: string, private window: i32) {}

  get(): RefreshCosts {
    if (this.costs === null) this.costs = lookupRefreshCosts(this.pgtId, this.window);
    return changetype<RefreshCosts>(this.costs);
  }
}

/** The sources with pending changes, from the probe's `oid:changes,...`; null when the probe did not say. */
function changedSources(perSource: string): string[] | null {
  if (perSource.length == 0) return null;
  const out: string[] = [];
  const items = perSource.split(",");
  for (let i = 0; i < items.length; i++) {
    const colon = items[i].indexOf(":");
    if (colon > 0 && items[i].substring(colon + 1) != "0") out.push(items[i].substring(0, colon));
  }
  return out;
}

/** The reason naming the change ratio: `N pending changes exceed` it (`over`), or `N pending changes, at most` it. */
function ratioReason(changes: i64, sourceRows: i64, over: bool): string {
  return changes.toString() + (over ? " pending changes exceed" : " pending changes, at most")
    + " pg_trickle.differential_max_change_ratio of " + sourceRows.toString() + " source rows";
}

/**
 * Handles `{"op":"refresh", pgtId, program, populated, hasFrontier, consumed, reinitialize, probe,
 * refreshMode, inStatement, forceFull, refreshStrategy, maxChangeRatio, fullRefreshEvery, currentSql}`
 * (`inStatement`: run by an IMMEDIATE trigger at the end of a writing statement). With
 * refresh_strategy auto, a refresh whose changes pass the change-ratio test still goes FULL when
 * the stream table's last refreshes predict it cheaper (refresh/cost-model.ts); every decision
 * carries its reason, which the history records (`currentSql` false: the installed SQL predates that column).
 */
export function planRefresh(request: Json): string {
  const program = request.get("program");
  if (!program.has("full") || !request.has("probe")) {
    return errorResponse(new EngineError(ErrorCode.InternalProtocol, "refresh request without a program or probe"));
  }
  const probe = request.get("probe");
  const changes = I64.parseInt(probe.str("changes", "0"));
  const truncates = I64.parseInt(probe.str("truncates", "0"));
  const sourceRows = I64.parseInt(probe.str("sourceRows", "0"));
  const differentiable = program.bool("differentiable");
  const strategy = request.str("refreshStrategy", "auto");
  const ratio = F64.parseFloat(request.str("maxChangeRatio", "0.15"));
  const fullEvery = request.int("fullRefreshEvery", 0);
  const costs = new CostsOnce(request.get("pgtId").text, fullEvery);
  // With refresh_strategy auto, more changes than maxChangeRatio of the sources' rows make a FULL refresh.
  const exceedsRatio = strategy == "auto" && sourceRows > 0 && <f64>changes > ratio * <f64>sourceRows;

  // IMMEDIATE: a one-table program is applied by statement triggers; any other is refreshed from
  // its change buffers at the end of each writing statement, DIFFERENTIAL but after a TRUNCATE or
  // (with refresh_strategy auto) more changes than the change ratio.
  const immediate = request.str("refreshMode") == "IMMEDIATE";
  const statementTriggers = immediate && program.has("immediate") && program.get("immediate").kind == JsonKind.Object;
  let action = "DIFFERENTIAL";
  let reason = "";
  let fallback = false;
  if (!request.bool("populated")) {
    action = "FULL";
    reason = "the stream table is not populated yet";
  } else if (request.bool("reinitialize")) {
    // The shim has recompiled the program: a view it reads was replaced, or a table's inheritance changed.
    action = "REINITIALIZE";
    reason = "a view the defining query reads was replaced, or the inheritance of a table it reads changed";
  } else if (statementTriggers) {
    // Writers' triggers keep it current; a refresh asked for anyway recomputes it (the shim has locked the sources).
    action = "FULL";
    reason = "refresh mode IMMEDIATE";
  } else if (!request.bool("hasFrontier")) {
    action = "FULL";
    reason = "the refresh mode changed, so no earlier refresh says which changes are applied";
  } else if (!differentiable) {
    action = "FULL";
    reason = program.str("reason");
  } else if (truncates > 0) {
    action = "FULL";
    reason = "a source table was truncated";
    fallback = true;
  } else if (changes == 0) {
    action = "NO_DATA";
    reason = "no pending changes";
  } else if (immediate) {
    // Changes about as large as the tables (a statement that rewrote much of them) are cheaper
    // recomputed, as for DIFFERENTIAL; inside a writing statement that changes only what differs.
    if (exceedsRatio) {
      action = "FULL";
      reason = ratioReason(changes, sourceRows, true);
      fallback = true;
    } else reason = "refresh mode IMMEDIATE";
  } else if (request.str("refreshMode") == "FULL") {
    action = "FULL";
    reason = "refresh mode FULL";
  } else if (strategy == "full") {
    action = "FULL";
    reason = "pg_trickle.refresh_strategy is full";
  } else if (request.bool("forceFull")) {
    action = "FULL";
    reason = "pg_trickle.force_full_refresh is on";
    fallback = true;
  } else if (fullEvery > 0 && request.has("pgtId") && costs.get().sinceFull >= fullEvery - 1) {
    action = "FULL";
    reason = (fullEvery - 1).toString() + " DIFFERENTIAL refreshes since the last FULL one (pg_trickle.full_refresh_every = " + fullEvery.toString() + ")";
    fallback = true;
  } else if (exceedsRatio) {
    action = "FULL";
    reason = ratioReason(changes, sourceRows, true);
    fallback = true;
  } else if (strategy == "auto") {
    reason = ratioReason(changes, sourceRows, false);
    if (request.has("pgtId")) {
      const choice = chooseByCost(costs.get(), changes);
      if (choice.full) {
        action = "FULL";
        fallback = true;
        reason = changes.toString() + " pending changes: " + choice.why;
      } else {
        reason += "; " + choice.why;
      }
    }
  } else {
    reason = "pg_trickle.refresh_strategy is differential";
  }
  let statements: Statement[] = [];
  // Other stream tables read this one: change only what differs, so they stay DIFFERENTIAL.
  // So does a FULL refresh inside a writing statement: TRUNCATE would lock readers out until it commits.
  const asDifference = (request.bool("consumed") || request.bool("inStatement")) && program.arr("fullDiff").length > 0;
  if (action == "FULL" || action == "REINITIALIZE") statements = readStatements(program, asDifference ? "fullDiff" : "full");
  else if (action == "DIFFERENTIAL") {
    statements = readStatements(program, "differential");
    const changed = changedSources(probe.str("perSource", ""));
    if (changed !== null) {
      for (let i = 0; i < statements.length; i++) {
        statements[i] = new Statement(pruneTerms(statements[i].sql, changed), statements[i].counting);
      }
    }
  }
  return okResponse(new JsonObjectWriter()
    .str("action", action)
    .str("reason", reason)
    .bool("wasFullFallback", fallback)
    .int("deltaRows", action == "NO_DATA" ? 0 : changes)
    .raw("statements", statementsJson(statements))
    .str("finish", finishSql(request.bool("currentSql", true)))
    .toString());
}
