/**
 * @fileoverview Grouped aggregation γ_{G; f…} with COUNT(*), COUNT(x) and SUM(x), and
 * SELECT DISTINCT as the same operator with only the count, over any relational input (its
 * signed delta rows come from operators/join.ts).
 *
 * Delta rule: the affected groups are the G values (old and new images) in ΔR. Per group the
 * storage keeps a hidden row count n (`__pgt_count`) and, per aggregate, its algebraic state:
 *   COUNT(*)  state n;                     Δn   = Σ sign
 *   COUNT(x)  state c (`__pgt_aux_count_j`); Δc = Σ sign·[x IS NOT NULL]
 *   SUM(x)    state s (`__pgt_aux_sum_j`) and non-NULL count m (`__pgt_aux_nn_j`);
 *             Δs = Σ sign·x over non-NULL x, Δm = Σ sign·[x IS NOT NULL]; SUM is NULL iff m = 0.
 * A group row appears when n goes 0 → >0 (INSERT), vanishes when n returns to 0 (DELETE) and is
 * otherwise updated in place; with no GROUP BY the single row always exists (count 0, sum NULL).
 * Visible columns are expressions over the keys and the new state, recomputed from it.
 *
 * NULL keys: groups compare keys with IS NOT DISTINCT FROM, exactly as GROUP BY groups NULLs.
 * Exactness: integer and numeric states are exact; float sums may differ from a recomputation
 * in the last bits (the order of additions differs).
 */

import { AggregateOperator, DistinctOperator, Operator, OperatorKind } from "../ir/operator-tree";
import { Expr, ExprKind, AggregateExpr, AggregateFunc, ColumnExpr } from "../ir/expr";
import { OutputColumn, childExpressions } from "../analyze/query";
import { RenderContext, renderExpr, canonicalSql } from "../sqlgen/render-expression";
import { quoteIdent } from "../sqlgen/quote";
import { InputRelation } from "./join";
import { MaintenancePlan } from "../refresh/statement";
import { mergeCounts, rowIdOf, lockDeltaRows } from "./shared";

/** Where each group key and aggregate state lives in the storage table. */
class GroupLayout {
  keys: Expr[] = [];
  keyTexts: string[] = [];
  /** Storage column of each key: a visible column that is exactly the key, or `__pgt_key_i`. */
  keyColumns: string[] = [];
  aggregates: AggregateExpr[] = [];
  outputs: OutputColumn[] = [];
}

/** Renders key and aggregate references from a given place: the new state, the delta, ... */
class StateContext extends RenderContext {
  constructor(public layout: GroupLayout, public keyPrefix: string, public mode: i32) { super(); }
  column(c: ColumnExpr): string { return "NULL /* ungrouped column " + c.column + " */"; }
  substitute(e: Expr): string | null {
    const text = canonicalSql(e);
    const k = this.layout.keyTexts.indexOf(text);
    if (k >= 0) return this.keyPrefix == "d." ? "d." + quoteIdent("__pgt_key_" + (k + 1).toString()) : "st." + quoteIdent(this.layout.keyColumns[k]);
    if (e.kind != ExprKind.Aggregate) return null;
    const a = e as AggregateExpr;
    return this.mode == MODE_UPDATE ? updatedState(a) : insertedState(a);
  }
}

const MODE_UPDATE = 0;
const MODE_INSERT = 1;

function countColumn(a: AggregateExpr): string {
  return a.func == AggregateFunc.CountStar ? "__pgt_count" : "__pgt_aux_count_" + a.index.toString();
}

/** New state of `a` for a matched group: stored state plus delta. */
function updatedState(a: AggregateExpr): string {
  if (a.func != AggregateFunc.Sum) return "(st." + countColumn(a) + " + d." + countColumn(a) + ")";
  const j = a.index.toString();
  const s = "st.__pgt_aux_sum_" + j;
  const ds = "d.__pgt_aux_sum_" + j;
  return "(CASE WHEN st.__pgt_aux_nn_" + j + " + d.__pgt_aux_nn_" + j + " = 0 THEN NULL WHEN " + s + " IS NULL THEN " + ds
    + " WHEN " + ds + " IS NULL THEN " + s + " ELSE " + s + " + " + ds + " END)";
}

/** State of `a` for a new group: the delta itself. */
function insertedState(a: AggregateExpr): string {
  if (a.func != AggregateFunc.Sum) return "d." + countColumn(a);
  const j = a.index.toString();
  return "(CASE WHEN d.__pgt_aux_nn_" + j + " = 0 THEN NULL ELSE d.__pgt_aux_sum_" + j + " END)";
}

function containsAggregate(e: Expr): bool {
  if (e.kind == ExprKind.Aggregate) return true;
  const children = childExpressions(e);
  for (let i = 0; i < children.length; i++) if (containsAggregate(children[i])) return true;
  return false;
}

/**
 * The plan for an Aggregate or Distinct operator over `input` (its delta and its current state).
 * Concurrent IMMEDIATE writers lock the groups their delta touches first (plan.lock): two of them
 * would otherwise both insert the same new group.
 */
export function compileAggregate(op: Operator, storage: string, returning: bool, input: InputRelation): MaintenancePlan {
  const layout = new GroupLayout();
  if (op.kind == OperatorKind.Distinct) {
    const d = op as DistinctOperator;
    layout.outputs = d.outputs;
    for (let i = 0; i < d.outputs.length; i++) layout.keys.push(d.outputs[i].expr);
  } else {
    const a = op as AggregateOperator;
    layout.outputs = a.outputs;
    layout.keys = a.keys;
    layout.aggregates = a.aggregates;
  }
  for (let k = 0; k < layout.keys.length; k++) {
    const text = canonicalSql(layout.keys[k]);
    layout.keyTexts.push(text);
    let stored = "__pgt_key_" + (k + 1).toString();
    for (let i = 0; i < layout.outputs.length; i++) {
      if (canonicalSql(layout.outputs[i].expr) == text) { stored = layout.outputs[i].name; break; }
    }
    layout.keyColumns.push(stored);
  }

  const src = input.fullContext;
  const w = input.deltaContext;
  const plan = new MaintenancePlan();

  // Full refresh: PostgreSQL computes everything natively, including the hidden state.
  const full: string[] = [];
  for (let i = 0; i < layout.outputs.length; i++) {
    plan.columns.push(layout.outputs[i].name);
    full.push(renderExpr(layout.outputs[i].expr, src) + " AS " + quoteIdent(layout.outputs[i].name));
  }
  const keysFull: string[] = [];
  const keysDelta: string[] = [];
  const deltaCols: string[] = [];
  const positions: string[] = [];
  // GROUP BY names each key by its position in the select list: a key written as an integer
  // constant would otherwise be read as a position itself.
  const fullPositions: string[] = [];
  for (let k = 0; k < layout.keys.length; k++) {
    keysFull.push(renderExpr(layout.keys[k], src));
    const hidden = "__pgt_key_" + (k + 1).toString();
    if (layout.keyColumns[k] == hidden) {
      plan.columns.push(hidden);
      full.push(keysFull[k] + " AS " + hidden);
      fullPositions.push(full.length.toString());
    } else {
      for (let i = 0; i < layout.outputs.length; i++) {
        if (layout.outputs[i].name == layout.keyColumns[k]) { fullPositions.push((i + 1).toString()); break; }
      }
    }
    deltaCols.push(renderExpr(layout.keys[k], w) + " AS " + hidden);
    keysDelta.push("q." + hidden);
    positions.push((k + 1).toString());
  }
  plan.columns.push("__pgt_count");
  full.push("count(*) AS __pgt_count");
  deltaCols.push("sum(w.__pgt_sign) AS __pgt_count");
  for (let j = 0; j < layout.aggregates.length; j++) {
    const a = layout.aggregates[j];
    if (a.func == AggregateFunc.CountStar) continue;
    const arg = changetype<Expr>(a.arg);
    const argFull = renderExpr(arg, src);
    const argDelta = renderExpr(arg, w);
    const n = a.index.toString();
    const nonNullSign = "sum(CASE WHEN " + argDelta + " IS NULL THEN 0 ELSE w.__pgt_sign END)";
    if (a.func == AggregateFunc.Count) {
      plan.columns.push("__pgt_aux_count_" + n);
      full.push("count(" + argFull + ") AS __pgt_aux_count_" + n);
      deltaCols.push(nonNullSign + " AS __pgt_aux_count_" + n);
    } else {
      plan.columns.push("__pgt_aux_sum_" + n);
      plan.columns.push("__pgt_aux_nn_" + n);
      full.push("sum(" + argFull + ") AS __pgt_aux_sum_" + n);
      full.push("count(" + argFull + ") AS __pgt_aux_nn_" + n);
      // Σ inserted − Σ deleted, each summed in SUM's own type: negating a value first could overflow it.
      const plus = "sum(" + argDelta + ") FILTER (WHERE w.__pgt_sign > 0)";
      const minus = "sum(" + argDelta + ") FILTER (WHERE w.__pgt_sign < 0)";
      deltaCols.push("CASE WHEN " + minus + " IS NULL THEN " + plus + " WHEN " + plus + " IS NULL THEN -" + minus
        + " ELSE " + plus + " - " + minus + " END AS __pgt_aux_sum_" + n);
      deltaCols.push(nonNullSign + " AS __pgt_aux_nn_" + n);
    }
  }
  plan.columns.push("__pgt_row_id");
  full.push(rowIdOf(keysFull) + " AS __pgt_row_id");
  const groupBy = fullPositions.length > 0 ? "\n  GROUP BY " + fullPositions.join(", ") : "";
  plan.fullSelect = "SELECT " + full.join(",\n       ") + "\n  FROM " + input.fullFrom + input.fullWhere + groupBy;

  // Differential: aggregate the window per group, then fold it into the stored state.
  // Without GROUP BY an aggregate over zero delta rows still yields one (all-NULL) row: drop it.
  const deltaGroupBy = positions.length > 0 ? "\n        GROUP BY " + positions.join(", ") : "\n        HAVING count(*) > 0";
  const withSql = input.withDelta + ",\n"
    + "__pgt_d AS (\n  SELECT q.*, " + rowIdOf(keysDelta) + " AS __pgt_row_id\n  FROM (SELECT " + deltaCols.join(",\n               ")
    + "\n        FROM __pgt_w AS w" + deltaGroupBy + ") AS q\n)";

  const on: string[] = ["st.__pgt_row_id = d.__pgt_row_id"];
  for (let k = 0; k < layout.keys.length; k++) {
    on.push("st." + quoteIdent(layout.keyColumns[k]) + " IS NOT DISTINCT FROM d.__pgt_key_" + (k + 1).toString());
  }
  const updateCtx = new StateContext(layout, "st.", MODE_UPDATE);
  const insertCtx = new StateContext(layout, "d.", MODE_INSERT);
  const set: string[] = ["__pgt_count = st.__pgt_count + d.__pgt_count"];
  const insertCols: string[] = [];
  const insertVals: string[] = [];
  for (let i = 0; i < layout.outputs.length; i++) {
    const name = quoteIdent(layout.outputs[i].name);
    insertCols.push(name);
    insertVals.push(renderExpr(layout.outputs[i].expr, insertCtx));
    if (containsAggregate(layout.outputs[i].expr)) set.push(name + " = " + renderExpr(layout.outputs[i].expr, updateCtx));
  }
  for (let k = 0; k < layout.keys.length; k++) {
    if (layout.keyColumns[k].startsWith("__pgt_key_")) {
      insertCols.push(layout.keyColumns[k]);
      insertVals.push("d." + layout.keyColumns[k]);
    }
  }
  insertCols.push("__pgt_count");
  insertVals.push("d.__pgt_count");
  for (let j = 0; j < layout.aggregates.length; j++) {
    const a = layout.aggregates[j];
    if (a.func == AggregateFunc.CountStar) continue;
    const n = a.index.toString();
    if (a.func == AggregateFunc.Count) {
      set.push("__pgt_aux_count_" + n + " = " + updatedState(a));
      insertCols.push("__pgt_aux_count_" + n);
      insertVals.push(insertedState(a));
    } else {
      set.push("__pgt_aux_sum_" + n + " = " + updatedState(a));
      set.push("__pgt_aux_nn_" + n + " = st.__pgt_aux_nn_" + n + " + d.__pgt_aux_nn_" + n);
      insertCols.push("__pgt_aux_sum_" + n);
      insertVals.push(insertedState(a));
      insertCols.push("__pgt_aux_nn_" + n);
      insertVals.push("d.__pgt_aux_nn_" + n);
    }
  }
  insertCols.push("__pgt_row_id");
  insertVals.push("d.__pgt_row_id");

  // Without GROUP BY the one result row always exists, even when every input row is gone.
  const deleteBranch = layout.keys.length > 0 ? "\nWHEN MATCHED AND st.__pgt_count + d.__pgt_count = 0 THEN DELETE" : "";
  const merge = "MERGE INTO " + storage + " AS st\nUSING __pgt_d AS d\n  ON " + on.join(" AND ") + deleteBranch
    + "\nWHEN MATCHED THEN\n  UPDATE SET " + set.join(",\n             ")
    + "\nWHEN NOT MATCHED AND d.__pgt_count > 0 THEN\n  INSERT (" + insertCols.join(", ") + ")\n  VALUES (" + insertVals.join(", ") + ")";
  plan.differential.push(mergeCounts(withSql, merge, returning));
  plan.lock = lockDeltaRows(withSql);
  return plan;
}
