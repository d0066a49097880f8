/**
 * @fileoverview Aggregates whose value depends on the order in which they read their rows, inside
 * a derived relation.
 *
 * A derived relation's delta subtracts the old rows of the groups (or window partitions) a change
 * touches, recomputed from the current rows and the change (operators/derived.ts). The reading
 * operator then finds the stored rows equal to them. That needs the recomputed old row to equal,
 * bit for bit, the row computed when it was stored. An aggregate that reads its rows in another
 * order can give another value: a float8 sum rounds differently, array_agg lists its elements in
 * another order. The old row then matches nothing and a stale row stays.
 *
 * Such a query is recomputed instead: a refresh with changes runs it and changes only the stored
 * rows that differ, as TopK and WITH RECURSIVE are (Analysis.recomputeReason). A top-level
 * aggregate needs none of this: its groups are updated by key. But a top-level sum or avg over
 * real or double precision kept from state (stored sum plus the delta's) rounds differently from
 * PostgreSQL's sum over the group's rows: it recomputes the groups a change touches instead
 * (rescanRoundingAggregates).
 */

import { AnalyzedQuery } from "./analyzed-query";
import { lookupExpressionType } from "./catalog";
import { TypedNullContext } from "./typed-null";
import { ScanOperator, DerivedOperator, isDerived } from "../ir/operator-tree";
import { ExprKind, AggregateCall, AggregateFunc } from "../ir/expr";
import { windowsIn, windowKeys } from "./windows";
import { canonicalSql, renderExpr } from "../sqlgen/render-expression";

/** Built-in aggregates whose value depends on the order of their rows, whatever their argument types. */
const ORDER_DEPENDENT = ["array_agg", "string_agg", "json_agg", "jsonb_agg", "json_agg_strict", "jsonb_agg_strict",
  "json_object_agg", "jsonb_object_agg", "json_object_agg_strict", "jsonb_object_agg_strict", "json_object_agg_unique",
  "jsonb_object_agg_unique", "json_object_agg_unique_strict", "jsonb_object_agg_unique_strict", "json_arrayagg", "json_objectagg",
  "xmlagg", "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx",
  "regr_sxy", "regr_syy"];

/** Built-in aggregates that add up their rows: order-dependent over real and double precision (rounding), exact otherwise. */
const ROUNDING = ["sum", "avg", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp"];

/**
 * The first aggregate or window function, inside a derived relation of `q` (at any depth), whose
 * value depends on the order of its rows, as `name() over <type>` or `name()`; "" when none does.
 */
export function orderSensitiveAggregate(q: AnalyzedQuery): string {
  const seen: DerivedOperator[] = [];
  return sensitiveBelow(q, seen);
}

/** Turns the top-level sums and averages of `q` that round by the order of their rows into Rescan aggregates. */
export function rescanRoundingAggregates(q: AnalyzedQuery): void {
  for (let i = 0; i < q.aggregates.length; i++) {
    const a = q.aggregates[i];
    if ((a.func == AggregateFunc.Sum || a.func == AggregateFunc.Avg) && sensitiveCall(a.call, [], q.scans).length > 0) a.func = AggregateFunc.Rescan;
  }
}

/** The first order-dependent call inside the derived relations among `q`'s scans not yet `seen` (a branch may share its query's scans). */
function sensitiveBelow(q: AnalyzedQuery, seen: DerivedOperator[]): string {
  for (let i = 0; i < q.scans.length; i++) {
    const scan = q.scans[i];
    if (!isDerived(scan)) continue;
    const d = changetype<DerivedOperator>(scan);
    if (seen.includes(d)) continue;
    seen.push(d);
    for (let k = 0; k < d.queries.length; k++) {
      const found = sensitiveIn(d.queries[k], seen);
      if (found.length > 0) return found;
    }
  }
  return "";
}

/** The first order-dependent aggregate or window function `branch` computes, or a derived relation it reads. */
function sensitiveIn(branch: AnalyzedQuery, seen: DerivedOperator[]): string {
  for (let i = 0; i < branch.aggregates.length; i++) {
    const found = sensitiveCall(branch.aggregates[i].call, [], branch.scans);
    if (found.length > 0) return found;
  }
  const windows = windowsIn(branch.outputs);
  for (let i = 0; i < windows.length; i++) {
    const found = sensitiveCall(windows[i].call, windowKeys(windows[i]), branch.scans);
    if (found.length > 0) return found;
  }
  return sensitiveBelow(branch, seen);
}

/** Whether the value of aggregate `call` over a group with keys `keys` (canonical SQL) depends on the order of its rows. */
export function orderSensitive(call: AggregateCall, keys: string[], scans: ScanOperator[]): bool {
  return sensitiveCall(call, keys, scans).length > 0;
}

/**
 * `call` as `name()` (or `name() over <type>`) when its value may depend on the order of its rows,
 * else "". Rows that `keys` (the canonical texts of a window's partition and order) and the call's own ORDER BY leave
 * tied have the same arguments when every argument is one of those keys or a constant; DISTINCT
 * sorts by the arguments; an ordered-set aggregate sorts by its own.
 */
function sensitiveCall(call: AggregateCall, keys: string[], scans: ScanOperator[]): string {
  const name = call.bareName + "()";
  if (!call.builtin) return name;
  if (call.distinct || call.withinGroup) return "";
  const texts = keys.slice(0);
  for (let i = 0; i < call.order.length; i++) texts.push(canonicalSql(call.order[i].expr));
  let sorted = true;
  for (let i = 0; i < call.args.length; i++) {
    if (call.args[i].kind != ExprKind.Const && !texts.includes(canonicalSql(call.args[i]))) sorted = false;
  }
  if (sorted) return "";
  if (ORDER_DEPENDENT.includes(call.bareName)) return name;
  if (!ROUNDING.includes(call.bareName) || call.args.length != 1) return "";
  const typed = new TypedNullContext(scans);
  const sql = renderExpr(call.args[0], typed);
  if (typed.unknown) return name;
  const type = lookupExpressionType(sql);
  if (type === null) return name;
  const t = changetype<string>(type);
  return t == "double precision" || t == "real" ? name + " over " + t : "";
}
