/**
 * @fileoverview Grouped aggregation γ_{G; f…}, with HAVING, and SELECT DISTINCT as the same
 * operator with only the count, over any relational input (its signed delta rows come from
 * operators/join.ts).
 *
 * Delta rule: the affected groups are the G values (old and new images) in the input delta. Per
 * group the storage keeps a hidden row count n (`__pgt_count`, Δn = Σ sign) and, per aggregate j,
 * its state in hidden `__pgt_aux_*_j` columns:
 *   COUNT(x)         c = Σ sign·[x IS NOT NULL]                           (count_j)
 *   SUM(x), AVG(x)   s = Σ⁺x − Σ⁻x and m = Σ sign·[x IS NOT NULL]          (sum_j, nn_j);
 *                    SUM is NULL iff m = 0, AVG = s / m
 *   MIN(x), MAX(x)   e = least (greatest) of e and the inserted values     (ext_j); a deleted
 *                    value ≤ e (≥ e) may have been the extremum, or an inserted one deleted
 *                    again in the same window: that group is rescanned (a new group too)
 *   BOOL_AND/OR(x)   m and h = Σ sign·[x IS FALSE] (AND) / [x IS TRUE] (OR)   (nn_j, hits_j);
 *                    NULL iff m = 0, else h = 0 (AND) / h > 0 (OR)
 *   FILTER (WHERE p) every sum above counts only rows where p is true.
 * Every other aggregate — DISTINCT or ORDER BY inside, ordered-set, user-defined, STRING_AGG,
 * ARRAY_AGG, the STDDEV/VARIANCE family, ... — makes the affected groups rescanned.
 *
 * Rescan: a group's row is recomputed by PostgreSQL from the sources' current state (R₁),
 * restricted to the group key, in the same statement (a LATERAL subquery that runs only for the
 * groups flagged). Exact for every aggregate, at the cost of reading the group.
 *
 * A group row appears when n goes 0 → >0, vanishes when n returns to 0 and is otherwise updated
 * in place; with no GROUP BY the single row always exists (count 0, sum NULL). HAVING: a group
 * that is not stored failed HAVING or did not exist, so its state is unknown and a change to it
 * rescans it; a stored group is updated from its state and deleted when it fails HAVING. So
 * groups cross the threshold in both directions.
 *
 * NULL keys: groups compare keys with IS NOT DISTINCT FROM, exactly as GROUP BY groups NULLs.
 * Exactness: integer and numeric states are exact; a float SUM or AVG is rescanned instead
 * (analyze/order-sensitive.ts rescanRoundingAggregates): its state would differ from
 * PostgreSQL's sum in the last bits, the order of additions being another.
 *
 * GROUPING SETS: each distinct set's groups are stored once, told apart by `__pgt_gs`
 * (GROUPING() of every key); a set listed n times is stored n times, `__pgt_copy` 1..n.
 */

import { AggregateOperator, DistinctOperator, Operator, OperatorKind, ScanOperator } from "../ir/operator-tree";
import { Expr, ExprKind, AggregateExpr, AggregateFunc, ColumnExpr, GroupingExpr, childExpressions } from "../ir/expr";
import { OutputColumn } from "../analyze/analyzed-query";
import { RenderContext, renderExpr, canonicalSql } from "../sqlgen/render-expression";
import { quoteIdent } from "../sqlgen/quote";
import { MaintenancePlan } from "../refresh/statement";
import { mergeCounts, rowIdOf, lockDeltaRows } from "./shared";
import { InputRelation } from "./join";
import { hashCast } from "../analyze/typed-null";
import { orderSensitive } from "../analyze/order-sensitive";

/** Where each group key and aggregate state lives in the storage table. */
class GroupLayout {
  keys: Expr[] = [];
  keyTexts: string[] = [];
  /** Storage column of each key: a visible column that is exactly the key, or `__pgt_key_i`. */
  keyColumns: string[] = [];
  aggregates: AggregateExpr[] = [];
  outputs: OutputColumn[] = [];
  having: Expr | null = null;
  /** GROUPING SETS: GROUPING(every key) of each distinct set's rows (stored in `__pgt_gs`); null for a plain GROUP BY. */
  sets: i32[] | null = null;
  /**
   * How often each of `sets` is repeated, null when none is: a repeated set's rows are stored once
   * per repetition, numbered by `__pgt_copy` (1, 2, ...).
   */
  copies: i32[] | null = null;
  /** True when some aggregate has no state: every affected group is rescanned. */
  rescanAll: bool = false;
}

const MODE_UPDATE = 0;
const MODE_INSERT = 1;

/** Renders key and aggregate references from the new state of a matched group (update) or the delta of a new one (insert). */
class StateContext extends RenderContext {
  constructor(public layout: GroupLayout, public mode: i32) { super(); }
  column(c: ColumnExpr): string { return "NULL /* ungrouped column " + c.column + " */"; }
  substitute(e: Expr): string | null {
    const k = this.layout.keyTexts.indexOf(canonicalSql(e));
    if (k >= 0) return this.mode == MODE_INSERT ? "d." + quoteIdent("__pgt_key_" + (k + 1).toString()) : "st." + quoteIdent(this.layout.keyColumns[k]);
    if (e.kind == ExprKind.Grouping) return groupingValue(e as GroupingExpr, this.layout, this.mode == MODE_INSERT ? "d.__pgt_gs" : "st.__pgt_gs");
    if (e.kind != ExprKind.Aggregate) return null;
    return aggregateValue(e as AggregateExpr, this.mode);
  }
}

function j(a: AggregateExpr): string { return a.index.toString(); }

/** GROUPING(args) of a stored group, from `gs` = GROUPING(every key): the bits of its arguments, in their order. */
function groupingValue(g: GroupingExpr, layout: GroupLayout, gs: string): string {
  if (layout.sets === null) return "0";
  const n = layout.keys.length;
  const parts: string[] = [];
  for (let i = 0; i < g.args.length; i++) {
    const k = layout.keyTexts.indexOf(canonicalSql(g.args[i]));
    parts.push("(((" + gs + " >> " + (n - 1 - k).toString() + ") & 1) << " + (g.args.length - 1 - i).toString() + ")");
  }
  return "(" + parts.join(" | ") + ")";
}

/** `GROUP BY GROUPING SETS ((a, b), (a), ())` over the keys as rendered in `keys`. */
function groupingSetsClause(sets: i32[], keys: string[]): string {
  const n = keys.length;
  const items: string[] = [];
  for (let s = 0; s < sets.length; s++) {
    const members: string[] = [];
    for (let k = 0; k < n; k++) if ((sets[s] & (1 << (n - 1 - k))) == 0) members.push(keys[k]);
    items.push("(" + members.join(", ") + ")");
  }
  return "GROUP BY GROUPING SETS (" + items.join(", ") + ")";
}

/** GROUPING(every key): which keys a row's grouping set leaves out (0 without keys, `GROUPING SETS (())`). */
function groupingOfAll(keys: string[]): string {
  return keys.length == 0 ? "0" : "GROUPING(" + keys.join(", ") + ")";
}

/**
 * `generate_series(1, n)` with n the repetitions of the grouping set whose GROUPING(every key) is
 * `gs`: in a grouped select list it yields a repeated set's rows once per repetition.
 */
function copiesSeries(layout: GroupLayout, gs: string): string {
  const sets = changetype<i32[]>(layout.sets);
  const copies = changetype<i32[]>(layout.copies);
  const whens: string[] = [];
  for (let s = 0; s < sets.length; s++) if (copies[s] > 1) whens.push(" WHEN " + sets[s].toString() + " THEN " + copies[s].toString());
  return "generate_series(1, CASE " + gs + whens.join("") + " ELSE 1 END)";
}

/** The state column counting a COUNT: the group's row count for a plain COUNT(*). */
function countColumn(a: AggregateExpr): string {
  return a.func == AggregateFunc.CountStar && a.call.filter === null ? "__pgt_count" : "__pgt_aux_count_" + j(a);
}

/** A state column's new value: stored plus delta (update) or the delta alone (insert). */
function added(column: string, mode: i32): string {
  return mode == MODE_INSERT ? "d." + column : "(st." + column + " + d." + column + ")";
}

/** SUM's new state: the stored sum plus the delta's, NULL when no non-NULL value remains. */
function sumState(a: AggregateExpr, mode: i32): string {
  const nn = "__pgt_aux_nn_" + j(a);
  const ds = "d.__pgt_aux_sum_" + j(a);
  if (mode == MODE_INSERT) return "(CASE WHEN d." + nn + " = 0 THEN NULL ELSE " + ds + " END)";
  const s = "st.__pgt_aux_sum_" + j(a);
  return "(CASE WHEN st." + nn + " + d." + nn + " = 0 THEN NULL WHEN " + s + " IS NULL THEN " + ds
    + " WHEN " + ds + " IS NULL THEN " + s + " ELSE " + s + " + " + ds + " END)";
}

/** MIN/MAX's new extremum: the stored one and the inserted ones (a deleted extremum rescans the group). */
function extremumState(a: AggregateExpr, mode: i32): string {
  if (mode == MODE_INSERT) return "d.__pgt_ins_" + j(a);
  return (a.func == AggregateFunc.Min ? "LEAST(" : "GREATEST(") + "st.__pgt_aux_ext_" + j(a) + ", d.__pgt_ins_" + j(a) + ")";
}

/** The aggregate's value computed from its new state. */
function aggregateValue(a: AggregateExpr, mode: i32): string {
  switch (a.func) {
    case AggregateFunc.CountStar:
    case AggregateFunc.Count: return added(countColumn(a), mode);
    case AggregateFunc.Sum: return sumState(a, mode);
    // Dividing by numeric gives PostgreSQL's own result type: numeric for integers and numeric, float8 for floats, interval for intervals.
    case AggregateFunc.Avg: return "(" + sumState(a, mode) + " / NULLIF(" + added("__pgt_aux_nn_" + j(a), mode) + ", 0)::numeric)";
    case AggregateFunc.Min:
    case AggregateFunc.Max: return extremumState(a, mode);
    case AggregateFunc.BoolAnd:
    case AggregateFunc.BoolOr:
      return "(CASE WHEN " + added("__pgt_aux_nn_" + j(a), mode) + " = 0 THEN NULL ELSE " + added("__pgt_aux_hits_" + j(a), mode)
        + (a.func == AggregateFunc.BoolAnd ? " = 0" : " > 0") + " END)";
    default: return "NULL /* rescanned */";
  }
}

/** The storage columns holding the state of `a` (none for a plain COUNT(*) or a rescanned aggregate). */
function stateColumns(a: AggregateExpr): string[] {
  switch (a.func) {
    case AggregateFunc.CountStar: return a.call.filter === null ? [] : [countColumn(a)];
    case AggregateFunc.Count: return [countColumn(a)];
    case AggregateFunc.Sum:
    case AggregateFunc.Avg: return ["__pgt_aux_sum_" + j(a), "__pgt_aux_nn_" + j(a)];
    case AggregateFunc.Min:
    case AggregateFunc.Max: return ["__pgt_aux_ext_" + j(a)];
    case AggregateFunc.BoolAnd:
    case AggregateFunc.BoolOr: return ["__pgt_aux_nn_" + j(a), "__pgt_aux_hits_" + j(a)];
    default: return [];
  }
}

/** The values of stateColumns(a) in a full computation (rendered in `src`), appended with their names. */
function fullStates(a: AggregateExpr, src: RenderContext, names: string[], values: string[]): void {
  const filter = a.call.filter;
  const condition = filter === null ? "" : renderExpr(filter, src);
  const fil = filter === null ? "" : " FILTER (WHERE " + condition + ")";
  const arg = a.arg === null ? "" : renderExpr(changetype<Expr>(a.arg), src);
  const columns = stateColumns(a);
  for (let i = 0; i < columns.length; i++) names.push(columns[i]);
  switch (a.func) {
    case AggregateFunc.CountStar: if (filter !== null) values.push("count(*)" + fil); break;
    case AggregateFunc.Count: values.push("count(" + arg + ")" + fil); break;
    case AggregateFunc.Sum:
    case AggregateFunc.Avg: values.push("sum(" + arg + ")" + fil); values.push("count(" + arg + ")" + fil); break;
    case AggregateFunc.Min:
    case AggregateFunc.Max: values.push((a.func == AggregateFunc.Min ? "min(" : "max(") + arg + ")" + fil); break;
    case AggregateFunc.BoolAnd:
    case AggregateFunc.BoolOr: {
      values.push("count(" + arg + ")" + fil);
      const hit = "(" + arg + (a.func == AggregateFunc.BoolAnd ? ") IS FALSE" : ") IS TRUE") + (filter === null ? "" : " AND (" + condition + ")");
      values.push("count(*) FILTER (WHERE " + hit + ")");
      break;
    }
    default: break;
  }
}

/** Σ sign over the delta rows where `condition` holds. */
function signed(condition: string): string {
  return "sum(CASE WHEN " + condition + " THEN w.__pgt_sign ELSE 0 END)";
}

/** `agg(arg)` over the inserted (`sign` ">") or deleted ("<") delta rows passing `when` (a condition prefix). */
function sided(agg: string, arg: string, when: string, sign: string): string {
  return agg + "(" + arg + ") FILTER (WHERE " + when + "w.__pgt_sign " + sign + " 0)";
}

/** Each state column of `a` with its change over the delta rows `w` (rendered in `w`). */
function deltaStates(a: AggregateExpr, w: RenderContext, names: string[], values: string[]): void {
  const filter = a.call.filter;
  const when = filter === null ? "" : "COALESCE(" + renderExpr(filter, w) + ", false) AND ";
  const arg = a.arg === null ? "" : renderExpr(changetype<Expr>(a.arg), w);
  // IS DISTINCT FROM NULL tests the value itself: IS NOT NULL of a row is false when any field is NULL.
  const nonNull = signed(when + arg + " IS DISTINCT FROM NULL");
  switch (a.func) {
    case AggregateFunc.CountStar:
      if (filter !== null) { names.push(countColumn(a)); values.push(signed(when + "true")); }
      break;
    case AggregateFunc.Count: names.push(countColumn(a)); values.push(nonNull); break;
    case AggregateFunc.Sum:
    case AggregateFunc.Avg: {
      // Σ inserted − Σ deleted, each summed in SUM's own type: negating a value first could overflow
      // it. `* -1`, not a unary minus, which money lacks.
      const plus = sided("sum", arg, when, ">");
      const minus = sided("sum", arg, when, "<");
      names.push("__pgt_aux_sum_" + j(a));
      values.push("CASE WHEN " + minus + " IS NULL THEN " + plus + " WHEN " + plus + " IS NULL THEN " + minus + " * -1"
        + " ELSE " + plus + " - " + minus + " END");
      names.push("__pgt_aux_nn_" + j(a)); values.push(nonNull);
      break;
    }
    case AggregateFunc.Min:
    case AggregateFunc.Max: {
      const agg = a.func == AggregateFunc.Min ? "min" : "max";
      names.push("__pgt_ins_" + j(a)); values.push(sided(agg, arg, when, ">"));
      names.push("__pgt_del_" + j(a)); values.push(sided(agg, arg, when, "<"));
      break;
    }
    case AggregateFunc.BoolAnd:
    case AggregateFunc.BoolOr:
      names.push("__pgt_aux_nn_" + j(a)); values.push(nonNull);
      names.push("__pgt_aux_hits_" + j(a)); values.push(signed(when + "(" + arg + (a.func == AggregateFunc.BoolAnd ? ") IS FALSE" : ") IS TRUE")));
      break;
    default: break;
  }
}

/** A state column's value from the stored state and the delta (update) or the delta alone (insert). */
function stateValue(a: AggregateExpr, column: string, mode: i32): string {
  if (column.startsWith("__pgt_aux_sum_")) return sumState(a, mode);
  if (column.startsWith("__pgt_aux_ext_")) return extremumState(a, mode);
  return added(column, mode);
}

function containsAggregate(e: Expr): bool {
  if (e.kind == ExprKind.Aggregate) return true;
  const children = childExpressions(e);
  for (let i = 0; i < children.length; i++) if (containsAggregate(children[i])) return true;
  return false;
}

function layoutOf(op: Operator): GroupLayout {
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
    layout.having = a.having;
    const sets = a.groupingSets;
    if (sets !== null) {
      const distinct: i32[] = [];
      const copies: i32[] = [];
      for (let s = 0; s < sets.length; s++) {
        const at = distinct.indexOf(sets[s]);
        if (at < 0) { distinct.push(sets[s]); copies.push(1); } else copies[at]++;
      }
      layout.sets = distinct;
      if (distinct.length < sets.length) layout.copies = copies;
    }
  }
  for (let i = 0; i < layout.aggregates.length; i++) if (layout.aggregates[i].func == AggregateFunc.Rescan) layout.rescanAll = true;
  for (let k = 0; k < layout.keys.length; k++) {
    const text = canonicalSql(layout.keys[k]);
    layout.keyTexts.push(text);
    let stored = "__pgt_key_" + (k + 1).toString();
    for (let i = 0; i < layout.outputs.length; i++) {
      if (canonicalSql(layout.outputs[i].expr) == text) { stored = layout.outputs[i].name; break; }
    }
    layout.keyColumns.push(stored);
  }
  return layout;
}

/**
 * The plan for an Aggregate or Distinct operator over `input` (its delta and its current state).
 * Concurrent IMMEDIATE writers lock the groups their delta touches first (plan.lock): two of them
 * would otherwise both insert the same new group.
 */
export function compileAggregate(op: Operator, storage: string, returning: bool, input: InputRelation, scans: ScanOperator[]): MaintenancePlan {
  const layout = layoutOf(op);
  const src = input.fullContext;
  const w = input.deltaContext;
  const plan = new MaintenancePlan();

  // Full refresh: PostgreSQL computes everything natively, including the hidden state.
  const full: string[] = [];
  for (let i = 0; i < layout.outputs.length; i++) {
    plan.columns.push(layout.outputs[i].name);
    full.push(renderExpr(layout.outputs[i].expr, src));
  }
  const keysFull: string[] = [];
  const keysDelta: string[] = [];
  const deltaNames: string[] = [];
  const deltaValues: string[] = [];
  // GROUP BY names each key by its position in the select list: a key written as an integer
  // constant would otherwise be read as a position itself.
  const fullPositions: string[] = [];
  const positions: string[] = [];
  for (let k = 0; k < layout.keys.length; k++) {
    keysFull.push(renderExpr(layout.keys[k], src));
    const hidden = "__pgt_key_" + (k + 1).toString();
    if (layout.keyColumns[k] == hidden) {
      plan.columns.push(hidden);
      full.push(keysFull[k]);
      fullPositions.push(full.length.toString());
    } else {
      for (let i = 0; i < layout.outputs.length; i++) {
        if (layout.outputs[i].name == layout.keyColumns[k]) { fullPositions.push((i + 1).toString()); break; }
      }
    }
    deltaNames.push(hidden);
    deltaValues.push(renderExpr(layout.keys[k], w));
    keysDelta.push("q." + hidden);
    positions.push((k + 1).toString());
  }
  const sets = layout.sets;
  const keysW: string[] = [];
  for (let k = 0; k < layout.keys.length; k++) keysW.push(renderExpr(layout.keys[k], w));
  if (sets !== null) {
    plan.columns.push("__pgt_gs");
    const gs = groupingOfAll(keysFull);
    full.push(gs);
    deltaNames.push("__pgt_gs");
    deltaValues.push(groupingOfAll(keysW));
    keysFull.push(gs);
    keysDelta.push("q.__pgt_gs");
    if (layout.copies !== null) {
      // The copies of a row share its row id; __pgt_copy tells them apart.
      plan.columns.push("__pgt_copy");
      full.push(copiesSeries(layout, gs));
      deltaNames.push("__pgt_copy");
      deltaValues.push(copiesSeries(layout, deltaValues[deltaValues.length - 1]));
    }
  }
  plan.columns.push("__pgt_count");
  full.push("count(*)");
  deltaNames.push("__pgt_count");
  deltaValues.push("sum(w.__pgt_sign)");
  for (let i = 0; i < layout.aggregates.length; i++) {
    fullStates(layout.aggregates[i], src, plan.columns, full);
    if (!layout.rescanAll) deltaStates(layout.aggregates[i], w, deltaNames, deltaValues);
  }
  const selectList: string[] = [];
  for (let i = 0; i < full.length; i++) selectList.push(full[i] + " AS " + quoteIdent(plan.columns[i]));
  plan.columns.push("__pgt_row_id");
  const casts: string[] = [];
  for (let k = 0; k < layout.keys.length; k++) casts.push(hashCast(layout.keys[k], scans));
  selectList.push(rowIdOf(keysFull, casts) + " AS __pgt_row_id");
  const groupBy = sets !== null ? "\n  " + groupingSetsClause(sets, keysFull.slice(0, layout.keys.length))
    : fullPositions.length > 0 ? "\n  GROUP BY " + fullPositions.join(", ") : "";
  const havingClause = layout.having === null ? "" : "\n  HAVING " + renderExpr(changetype<Expr>(layout.having), src);
  plan.fullSelect = "SELECT " + selectList.join(",\n       ") + "\n  FROM " + input.fullFrom + input.fullWhere + groupBy + havingClause;

  // Differential: aggregate the delta per group, then fold it into the stored state.
  // Without GROUP BY an aggregate over zero delta rows still yields one (all-NULL) row: drop it.
  const deltaList: string[] = [];
  for (let i = 0; i < deltaNames.length; i++) deltaList.push(deltaValues[i] + " AS " + deltaNames[i]);
  // With GROUPING SETS the empty set's group exists even for zero delta rows: drop it too.
  const deltaGroupBy = sets !== null ? "\n        " + groupingSetsClause(sets, keysW) + "\n        HAVING count(*) > 0"
    : positions.length > 0 ? "\n        GROUP BY " + positions.join(", ") : "\n        HAVING count(*) > 0";
  let withSql = input.withDelta + ",\n"
    + "__pgt_d AS (\n  SELECT q.*, " + rowIdOf(keysDelta, casts) + " AS __pgt_row_id\n  FROM (SELECT " + deltaList.join(",\n               ")
    + "\n        FROM __pgt_w AS w" + deltaGroupBy + ") AS q\n)";
  plan.lock = lockDeltaRows(withSql);

  const on: string[] = ["st.__pgt_row_id = d.__pgt_row_id"];
  for (let k = 0; k < layout.keys.length; k++) {
    on.push("st." + quoteIdent(layout.keyColumns[k]) + " IS NOT DISTINCT FROM d.__pgt_key_" + (k + 1).toString());
  }
  if (sets !== null) on.push("st.__pgt_gs = d.__pgt_gs");
  if (layout.copies !== null) on.push("st.__pgt_copy = d.__pgt_copy");
  const rescan = rescanCondition(layout);
  const branches: string[] = [];
  let source = "__pgt_d";
  if (rescan != "false") {
    // Flag the groups to recompute, and recompute exactly those from the sources' current state.
    const fresh: string[] = [];
    for (let i = 0; i < full.length; i++) fresh.push(full[i] + " AS __pgt_f" + i.toString());
    if (layout.having !== null) fresh.push(renderExpr(changetype<Expr>(layout.having), src) + " AS __pgt_fhaving");
    withSql += ",\n__pgt_r AS MATERIALIZED (\n  SELECT d.*, " + rescan + " AS __pgt_rescan\n  FROM __pgt_d AS d LEFT JOIN " + storage + " AS st\n    ON "
      + on.join(" AND ") + "\n),\n";
    const groupByHere = groupBy.replace("\n  ", "\n      ");
    let ordered = false;
    for (let i = 0; i < layout.aggregates.length && !ordered; i++) ordered = orderSensitive(layout.aggregates[i].call, layout.keyTexts, scans);
    withSql += sets === null && layout.keys.length > 0 && !ordered
      ? batchedRecompute(layout, plan.columns, fresh, keysFull, casts, input, groupByHere)
      : perGroupRecompute(layout, plan.columns, fresh, keysFull, input, groupByHere);
    source = "__pgt_u";
    const count = "d.__pgt_f" + plan.columns.indexOf("__pgt_count").toString();
    const gone: string[] = [];
    if (layout.keys.length > 0) gone.push(count + " IS NULL" + keepsEmptySet(layout, "d.__pgt_gs"));
    if (layout.having !== null) gone.push("NOT COALESCE(d.__pgt_fhaving, false)");
    const set: string[] = [];
    const cols: string[] = [];
    const vals: string[] = [];
    for (let i = 0; i < plan.columns.length - 1; i++) {
      const c = quoteIdent(plan.columns[i]);
      set.push(c + " = d.__pgt_f" + i.toString());
      cols.push(c);
      vals.push("d.__pgt_f" + i.toString());
    }
    cols.push("__pgt_row_id");
    vals.push("d.__pgt_row_id");
    if (gone.length > 0) branches.push("WHEN MATCHED AND d.__pgt_rescan AND (" + gone.join(" OR ") + ") THEN DELETE");
    branches.push("WHEN MATCHED AND d.__pgt_rescan THEN\n  UPDATE SET " + set.join(",\n             "));
    branches.push("WHEN NOT MATCHED AND d.__pgt_rescan" + (gone.length > 0 ? " AND NOT (" + gone.join(" OR ") + ")" : "")
      + " THEN\n  INSERT (" + cols.join(", ") + ")\n  VALUES (" + vals.join(", ") + ")");
  }
  if (!layout.rescanAll) algebraicBranches(layout, rescan != "false", branches);
  const merge = "MERGE INTO " + storage + " AS st\nUSING " + source + " AS d\n  ON " + on.join(" AND ") + "\n" + branches.join("\n");
  for (let i = 0; i < input.prepare.length; i++) plan.differential.push(input.prepare[i]);
  plan.differential.push(mergeCounts(withSql, merge, returning));
  for (let i = 0; i < input.cleanup.length; i++) plan.differential.push(input.cleanup[i]);
  return plan;
}

/**
 * `__pgt_u`: each row of `__pgt_r` with, where flagged (`__pgt_rescan`), its group recomputed
 * (`fresh`, the columns `columns` as `__pgt_f<i>`), all in one grouped query restricted to the
 * flagged keys (a semi-join the planner may run as index probes or one hashed scan) and joined
 * back by row id and key. A LATERAL recompute per group would scan the input once per group
 * where no index serves the key (TPC-H Q16: 300 groups, each a scan of part). Keys without NULLs
 * are matched by `=` (indexable), a key with a NULL part by IS NOT DISTINCT FROM, only when some
 * flagged key has one. Not for an aggregate that depends on the order of its rows (a float sum):
 * the recompute must read a group's rows in the order the query does, and a batch may sort them.
 */
function batchedRecompute(layout: GroupLayout, columns: string[], fresh: string[], keysFull: string[], casts: string[],
  input: InputRelation, groupBy: string): string {
  const n = layout.keys.length;
  const flagged = "FROM __pgt_r AS r WHERE r.__pgt_rescan";
  const conditions = input.fullConditions.length > 0 ? input.fullConditions.join("\n        AND ") + "\n        AND " : "";
  const notNull: string[] = [];
  const anyNull: string[] = [];
  const same: string[] = [];
  const back: string[] = ["f.__pgt_fid = r.__pgt_row_id"];
  const names: string[] = [];
  for (let k = 0; k < n; k++) {
    const key = "r.__pgt_key_" + (k + 1).toString();
    names.push(key);
    notNull.push(keysFull[k] + " IS NOT NULL");
    anyNull.push(key + " IS NULL");
    same.push(key + " IS NOT DISTINCT FROM " + keysFull[k]);
    back.push("f.__pgt_f" + columns.indexOf(layout.keyColumns[k]).toString() + " IS NOT DISTINCT FROM " + key);
  }
  const select = "SELECT " + fresh.join(",\n           ") + ",\n           " + rowIdOf(keysFull, casts) + " AS __pgt_fid\n      FROM "
    + input.fullFrom + "\n      WHERE " + conditions;
  return "__pgt_f AS (\n    " + select + "(" + keysFull.join(", ") + ") IN (SELECT " + names.join(", ") + " " + flagged + ")" + groupBy
    + "\n    UNION ALL\n    " + select + "NOT (" + notNull.join(" AND ") + ")\n        AND EXISTS (SELECT 1 " + flagged + " AND (" + anyNull.join(" OR ") + "))"
    + "\n        AND EXISTS (SELECT 1 " + flagged + " AND " + same.join(" AND ") + ")" + groupBy
    + "\n),\n__pgt_u AS (\n  SELECT r.*, f.*\n  FROM __pgt_r AS r LEFT JOIN __pgt_f AS f ON r.__pgt_rescan AND " + back.join(" AND ") + "\n)";
}

/** `__pgt_u` as batchedRecompute's, each flagged group recomputed by a LATERAL subquery of its own; with GROUPING SETS, the set's row it stands for. */
function perGroupRecompute(layout: GroupLayout, columns: string[], fresh: string[], keysFull: string[], input: InputRelation, groupBy: string): string {
  const sets = layout.sets;
  const where: string[] = ["r.__pgt_rescan"];
  for (let i = 0; i < input.fullConditions.length; i++) where.push(input.fullConditions[i]);
  const n = layout.keys.length;
  for (let k = 0; k < n; k++) {
    const key = "r.__pgt_key_" + (k + 1).toString();
    const match = "(" + keysFull[k] + " = " + key + " OR (" + keysFull[k] + " IS NULL AND " + key + " IS NULL))";
    // A grouping set that aggregates over this key reads every value of it.
    where.push(sets === null ? match : "((r.__pgt_gs & " + (1 << (n - 1 - k)).toString() + ") <> 0 OR " + match + ")");
  }
  let recompute = "SELECT " + fresh.join(",\n           ") + "\n      FROM " + input.fullFrom + "\n      WHERE " + where.join("\n        AND ") + groupBy;
  if (sets !== null) {
    // Every set's groups come out of it: keep the one this row stands for.
    const pick: string[] = ["g.__pgt_f" + columns.indexOf("__pgt_gs").toString() + " = r.__pgt_gs"];
    if (layout.copies !== null) pick.push("g.__pgt_f" + columns.indexOf("__pgt_copy").toString() + " = r.__pgt_copy");
    for (let k = 0; k < n; k++) {
      pick.push("g.__pgt_f" + columns.indexOf(layout.keyColumns[k]).toString() + " IS NOT DISTINCT FROM r.__pgt_key_" + (k + 1).toString());
    }
    recompute = "SELECT g.* FROM (" + recompute + ") AS g\n      WHERE " + pick.join(" AND ");
  }
  return "__pgt_u AS (\n  SELECT r.*, f.*\n  FROM __pgt_r AS r LEFT JOIN LATERAL (\n    " + recompute + ") AS f ON true\n)";
}

/**
 * " AND <gs> <> <mask>" when the grouping sets include the empty set: like an aggregate without
 * GROUP BY, its one row exists even when no input row is left.
 */
function keepsEmptySet(layout: GroupLayout, gs: string): string {
  const sets = layout.sets;
  if (sets === null) return "";
  const all = (1 << layout.keys.length) - 1;
  return sets.includes(all) ? " AND " + gs + " <> " + all.toString() : "";
}

/** When a group must be recomputed from the sources ("false" when never). */
function rescanCondition(layout: GroupLayout): string {
  if (layout.rescanAll) return "true";
  const parts: string[] = [];
  for (let i = 0; i < layout.aggregates.length; i++) {
    const a = layout.aggregates[i];
    if (a.func != AggregateFunc.Min && a.func != AggregateFunc.Max) continue;
    const del = "d.__pgt_del_" + j(a);
    const ext = "st.__pgt_aux_ext_" + j(a);
    // The delta is not netted: a value inserted and deleted again within the window shows up on
    // both sides, so a deleted value is harmless only when it lies beyond the stored extremum.
    parts.push("(" + del + " IS NOT NULL AND (" + ext + " IS NULL OR " + del + (a.func == AggregateFunc.Min ? " <= " : " >= ") + ext + "))");
  }
  // A group that is not stored failed HAVING (or is new): only a rescan knows its state.
  if (layout.having !== null) parts.push("st.__pgt_row_id IS NULL");
  return parts.length == 0 ? "false" : "(" + parts.join(" OR ") + ")";
}

/** The MERGE branches folding a group's delta into its stored state (after the rescan branches, when there are any). */
function algebraicBranches(layout: GroupLayout, afterRescan: bool, branches: string[]): void {
  const updateCtx = new StateContext(layout, MODE_UPDATE);
  const insertCtx = new StateContext(layout, MODE_INSERT);
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
  if (layout.sets !== null) {
    insertCols.push("__pgt_gs");
    insertVals.push("d.__pgt_gs");
  }
  if (layout.copies !== null) {
    insertCols.push("__pgt_copy");
    insertVals.push("d.__pgt_copy");
  }
  insertCols.push("__pgt_count");
  insertVals.push("d.__pgt_count");
  for (let i = 0; i < layout.aggregates.length; i++) {
    const a = layout.aggregates[i];
    const columns = stateColumns(a);
    for (let c = 0; c < columns.length; c++) {
      set.push(columns[c] + " = " + stateValue(a, columns[c], MODE_UPDATE));
      insertCols.push(columns[c]);
      insertVals.push(stateValue(a, columns[c], MODE_INSERT));
    }
  }
  insertCols.push("__pgt_row_id");
  insertVals.push("d.__pgt_row_id");

  // Without GROUP BY the one result row always exists, even when every input row is gone.
  const gone: string[] = [];
  if (layout.keys.length > 0) gone.push("st.__pgt_count + d.__pgt_count = 0" + keepsEmptySet(layout, "st.__pgt_gs"));
  const having = layout.having;
  if (having !== null) gone.push("NOT COALESCE(" + renderExpr(having, updateCtx) + ", false)");
  if (gone.length > 0) branches.push("WHEN MATCHED AND (" + gone.join(" OR ") + ") THEN DELETE");
  branches.push("WHEN MATCHED THEN\n  UPDATE SET " + set.join(",\n             "));
  // With HAVING every group that is not stored is rescanned.
  if (having === null) {
    branches.push("WHEN NOT MATCHED AND " + (afterRescan ? "NOT d.__pgt_rescan AND " : "") + "d.__pgt_count > 0 THEN\n  INSERT ("
      + insertCols.join(", ") + ")\n  VALUES (" + insertVals.join(", ") + ")");
  }
}
