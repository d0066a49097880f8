/**
 * @fileoverview Subqueries in expressions — EXISTS, IN, NOT IN, `= ANY`, `<> ALL` and scalar
 * subqueries — are maintained as joins of the enclosing query with their results (decorrelation),
 * so the join and derived-relation rules differentiate them (operators/join.ts,
 * operators/derived.ts). The query analyzer binds them (QueryAnalyzer.bindSublink); this file
 * holds the rules it follows.
 *
 * A subquery's WHERE may correlate it with the enclosing query only by conjuncts `inner = outer`
 * (inner reads only the subquery, outer only the enclosing query). Those equalities become the
 * join condition; their inner sides become the keys k of the subquery's result D:
 *   EXISTS (SELECT … FROM S WHERE S.k = R.a AND p)  →  R ⟕ D ON D.k = R.a,
 *     D = SELECT DISTINCT k FROM S WHERE p: one row per key, so R's rows are never multiplied,
 *     and EXISTS is `D.k IS NOT NULL` (a matched key is not NULL: `=` never matches NULL).
 *   x IN (SELECT y FROM S WHERE …): the same with y among D's columns, joined on x = D.y.
 *   Where a NULL result counts as false (a conjunct of WHERE, not under NOT or OR), EXISTS and IN
 *     are an inner join instead: a semi-join.
 *   Elsewhere IN follows SQL's three-valued logic (DVM_NOTES "NOT IN"): TRUE when x matches;
 *     else FALSE when S has no row (for this outer row); else NULL when x is NULL or S has a NULL
 *     y; else FALSE. C = SELECT k, count(*) AS n, count(*) FILTER (WHERE y IS NULL) AS nn ... GROUP
 *     BY k, left joined on k, gives both counts. NOT IN is NOT of that; `<> ALL` is NOT IN.
 *   (SELECT f(agg…) FROM S WHERE S.k = R.a AND p)  →  R ⟕ D ON D.k = R.a,
 *     D = SELECT k, f(agg…) AS v FROM S WHERE p GROUP BY k; the value is D.v, or f over no rows
 *     where D has no row for the key (count is 0, PostgreSQL's other aggregates NULL).
 * Distinct keys must not compare equal to one outer value, or R's rows would be multiplied: an
 * equality between columns of different types (numeric = float compares as float) is not a key.
 * Such a correlation, and one other than equalities (`l2.k = l1.k AND l2.s <> l1.s`), is brought
 * inside the subquery when it reads one table T of the enclosing query
 * (QueryAnalyzer.decorrelate): D is computed over T' ⋈ S, T' the distinct values of the columns
 * of T the conjuncts read, joined on those conjuncts; those columns are D's keys (matched with
 * `IS NOT DISTINCT FROM` where nullable), so D has a row per value of T that the subquery
 * matches, and a change of either table reaches D like any join's.
 * Uncorrelated, D has no key: an EXISTS's D is the subquery's row count, and a scalar aggregate's
 * D its value, each exactly one row (an inner join on true). When D's value changes, every row
 * of R is affected — the join's delta rule says so.
 */

import { Expr, ExprKind, BoolExpr, OperatorExpr, DistinctExpr, ColumnExpr, AggregateExpr, columnRefs } from "../ir/expr";
import { RenderContext, renderExpr } from "../sqlgen/render-expression";

/** The correlation of a subquery's WHERE with the enclosing query, split from its other conjuncts. */
export class Correlation {
  /** Of each equality: its inner side, its outer side, its operator, and whether the inner side is on the left. */
  inner: Expr[] = [];
  outer: Expr[] = [];
  operators: string[] = [];
  innerLeft: bool[] = [];
  /** The conjuncts that read only the subquery. */
  rest: Expr[] = [];
  /** False when some conjunct reads the enclosing query other than as `inner = outer`. */
  ok: bool = true;
  /** True when IN's comparisons were brought inside the subquery with the correlation (QueryAnalyzer.decorrelate). */
  folded: bool = false;

  /** The subquery's WHERE without the correlation (null when nothing remains). */
  get where(): Expr | null {
    if (this.rest.length == 0) return null;
    return this.rest.length == 1 ? this.rest[0] : new BoolExpr("AND", this.rest);
  }

  add(inner: Expr, outer: Expr, operator: string, innerLeft: bool): void {
    this.inner.push(inner);
    this.outer.push(outer);
    this.operators.push(operator);
    this.innerLeft.push(innerLeft);
  }

  /** The first key compared by `=` (so never NULL in a matched row), or -1. */
  strictKey(): i32 {
    for (let i = 0; i < this.operators.length; i++) if (this.operators[i] != "IS NOT DISTINCT FROM") return i;
    return -1;
  }

  /** Equality i with `inner` in place of its inner side, written in its original order. */
  equality(i: i32, inner: Expr): Expr {
    if (this.operators[i] == "IS NOT DISTINCT FROM") return new DistinctExpr(inner, this.outer[i], true);
    return this.innerLeft[i] ? new OperatorExpr(this.operators[i], inner, this.outer[i]) : new OperatorExpr(this.operators[i], this.outer[i], inner);
  }
}

/** Splits `where` of a subquery whose own scans are numbered from `firstRel` (lower numbers are the enclosing query's). */
export function splitCorrelation(where: Expr | null, firstRel: i32): Correlation {
  const out = new Correlation();
  if (where === null) return out;
  const conjuncts = conjunctsOf(where);
  for (let i = 0; i < conjuncts.length; i++) {
    const c = conjuncts[i];
    if (!readsOuter(c, firstRel)) { out.rest.push(c); continue; }
    if (c.kind == ExprKind.Operator) {
      const op = c as OperatorExpr;
      const left = op.left;
      if (op.operator == "=" && left !== null) {
        const l = changetype<Expr>(left);
        if (readsOnlyInner(l, firstRel) && readsOnlyOuter(op.right, firstRel)) { out.add(l, op.right, op.operator, true); continue; }
        if (readsOnlyOuter(l, firstRel) && readsOnlyInner(op.right, firstRel)) { out.add(op.right, l, op.operator, false); continue; }
      }
    }
    out.ok = false;
  }
  return out;
}

/** The conjuncts of `e` (its AND's arguments, flattened; `e` itself otherwise). */
export function conjunctsOf(e: Expr): Expr[] {
  const out: Expr[] = [];
  collectConjuncts(e, out);
  return out;
}

function collectConjuncts(e: Expr, out: Expr[]): void {
  if (e.kind == ExprKind.Bool && (e as BoolExpr).op == "AND") {
    const args = (e as BoolExpr).args;
    for (let i = 0; i < args.length; i++) collectConjuncts(args[i], out);
  } else out.push(e);
}

/** True when `e` reads a column of a scan numbered below `firstRel` (the enclosing query's). */
export function readsOuter(e: Expr, firstRel: i32): bool {
  const refs = columnRefs(e);
  for (let i = 0; i < refs.length; i++) if (refs[i].rel < firstRel) return true;
  return false;
}

function readsOnlyInner(e: Expr, firstRel: i32): bool {
  return columnRefs(e).length > 0 && !readsOuter(e, firstRel);
}

function readsOnlyOuter(e: Expr, firstRel: i32): bool {
  const refs = columnRefs(e);
  for (let i = 0; i < refs.length; i++) if (refs[i].rel >= firstRel) return false;
  return refs.length > 0;
}

/** PostgreSQL's aggregates that return NULL over no rows (count and regr_count return 0). */
const NULL_ON_EMPTY = [
  "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "string_agg", "array_agg", "json_agg", "jsonb_agg",
  "json_object_agg", "jsonb_object_agg", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp",
  "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx",
  "regr_sxy", "regr_syy", "bit_and", "bit_or", "bit_xor", "percentile_cont", "percentile_disc", "mode", "range_agg",
  "range_intersect_agg", "xmlagg", "any_value",
];

/** Renders an aggregate expression as its value over no rows; `ok` turns false when some part has no known value. */
class NoRows extends RenderContext {
  ok: bool = true;
  column(c: ColumnExpr): string { this.ok = false; return "NULL"; }
  substitute(e: Expr): string | null {
    if (e.kind != ExprKind.Aggregate) return null;
    const call = (e as AggregateExpr).call;
    const parts = call.name.split(".");
    const name = parts[parts.length - 1].replaceAll("\"", "");
    if (call.builtin && (name == "count" || name == "regr_count")) return "0";
    if (!call.builtin || !NULL_ON_EMPTY.includes(name)) this.ok = false;
    return "NULL";
  }
}

/**
 * The value of a scalar subquery's output `v` (an expression over aggregates, no GROUP BY) over no
 * rows, as SQL; null when some aggregate in it is not one of PostgreSQL's own with a known value.
 */
export function valueOverNoRows(v: Expr): string | null {
  const ctx = new NoRows();
  const sql = renderExpr(v, ctx);
  return ctx.ok ? sql : null;
}
