/**
 * @fileoverview Subqueries in expressions — EXISTS, IN, NOT IN, `= ANY`, `<> ALL` and scalar
 * subqueries — are maintained as joins of the enclosing query with their results (decorrelation),
 * so the join and derived-relation rules differentiate them (operators/join.ts,
 * operators/derived.ts). bindSubqueryExpression binds one for the query analyzer
 * (QueryAnalyzer.bindSublink), following the rules below.
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
 *   (SELECT e FROM S WHERE S.k = R.a AND p), not grouping  →  R ⟕ D ON D.k = R.a,
 *     D = SELECT k, any_value(e), count(*) FROM S WHERE p AND k IS NOT NULL GROUP BY k; the value
 *     is any_value's, and an outer row matching a count above 1 raises the subquery's error.
 *   EXISTS correlated by equalities and one `S.b <> R.y` (TPC-H Q21)  →  R ⟕ D ON D.k = R.a,
 *     D = SELECT k, min(b), max(b) FROM S WHERE p AND b IS NOT NULL GROUP BY k; EXISTS is
 *     `R.y IS NOT NULL AND D.min IS NOT NULL AND (D.min <> R.y OR D.max <> R.y)` (existsApart).
 * Distinct keys must not compare equal to one outer value, or R's rows would be multiplied: an
 * equality between columns of different types (numeric = float compares as float) is not a key.
 * Such a correlation, and any other than these (`l2.k = l1.k AND l2.s > l1.s`), is brought
 * inside the subquery when it reads one table T of the enclosing query
 * (decorrelate): D is computed over T' ⋈ S, T' the distinct values of the columns
 * of T the conjuncts read, joined on those conjuncts; those columns are D's keys (matched with
 * `IS NOT DISTINCT FROM` where nullable), so D has a row per value of T that the subquery
 * matches, and a change of either table reaches D like any join's.
 * Uncorrelated, D has no key: an EXISTS's D is the subquery's row count, and a scalar aggregate's
 * D its value, each exactly one row (an inner join on true). When D's value changes, every row
 * of R is affected — the join's delta rule says so.
 */

import {
  Expr, ExprKind, BoolExpr, OperatorExpr, DistinctExpr, ColumnExpr, AggregateExpr, AggregateCall, AggregateFunc, ConstExpr,
  NullTestExpr, CaseExpr, CallLikeExpr, columnRefs, childExpressions, replaceColumns, conjunctsOf,
} from "../ir/expr";
import { RenderContext, renderExpr, canonicalSql } from "../sqlgen/render-expression";
import { PNode } from "../nodes/parse-node";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { Operator, OperatorKind, ScanOperator, JoinOperator, JoinType, DerivedOperator, isDerived } from "../ir/operator-tree";
import { ExpressionBinder } from "./expressions";
import { nodeList, nameList, locationIn, isConstant, isOneRow } from "./tree";
import { QueryAnalyzer } from "./query";
import { limitKeepsOne } from "./limits";
import { constantQuery } from "./constant";
import { AnalyzedQuery, OutputColumn, GroupColumns, keyOutputs, groupOutputs, conjunctionOf, collectQueryExprs } from "./analyzed-query";
import { FromItem, ColumnBinding, AliasEntry } from "./scope";

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
  /** True when IN's comparisons were brought inside the subquery with the correlation (decorrelate). */
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
    const name = call.bareName;
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

/**
 * The expression `e` of a scalar subquery `(SELECT e)` without FROM (one row, one column, not
 * `*`), which is `e` with its names resolved in the enclosing query; null for any other subquery.
 */
export function valueWithoutFrom(n: PNode): PNode | null {
  if (n.str("subLinkType") != "EXPR_SUBLINK") return null;
  const sub = changetype<PNode>(n.node("subselect"));
  if (!isOneRow(sub) || sub.list("valuesLists").length > 0) return null;
  const targets = nodeList(sub, "targetList");
  const only = targets.length == 1 && targets[0] !== null ? changetype<PNode>(targets[0]).node("val") : null;
  if (only === null || (only.tag == "ColumnRef" && nameList(only, "fields").includes("*"))) return null;
  return only;
}

/**
 * A subquery in an expression of the SELECT `binder` binds (analyze/sublink.ts): its result
 * becomes a DerivedOperator joined to that SELECT's FROM clause when the SELECT is bound, and
 * the expression returned reads it. Null (reason recorded in `binder`) when it cannot.
 */
export function bindSubqueryExpression(a: QueryAnalyzer, n: PNode, binder: ExpressionBinder, depth: i32): Expr | null {
  const loc = n.int("location");
  const type = n.str("subLinkType");
  const positive = binder.positive;
  binder.positive = false;
  const isExists = type == "EXISTS_SUBLINK";
  const isScalar = type == "EXPR_SUBLINK";
  let negated = false;
  const tests: Expr[] = [];
  if (type == "ANY_SUBLINK" || type == "ALL_SUBLINK") {
    const names = nameList(n, "operName");
    const op = names.length == 0 ? "=" : names.length == 1 ? names[0] : "OPERATOR(" + names.join(".") + ")";
    negated = type == "ALL_SUBLINK";
    if (op != (negated ? "<>" : "=")) return binder.unsupported("a subquery with " + (negated ? "ALL" : "ANY") + " and operator " + op, loc);
    const test = n.node("testexpr");
    const parts = test !== null && test.tag == "RowExpr" ? nodeList(test, "args") : [test];
    for (let i = 0; i < parts.length; i++) {
      const e = binder.bind(parts[i], depth, false);
      if (e === null) return null;
      tests.push(e);
    }
  } else if (!isExists && !isScalar) {
    return binder.unsupported(type == "ARRAY_SUBLINK" ? "ARRAY(subquery)" : "a row comparison with a subquery", loc);
  }
  const sub = changetype<PNode>(n.node("subselect"));
  const subLoc = locationIn(sub, loc);
  // EXISTS asks for one row, and a scalar subquery (one aggregate row, see below) has one: LIMIT 1 or more drops none.
  if ((isExists || isScalar) && limitKeepsOne(sub)) a.harmlessLimits.push(sub);
  const width = isExists ? -1 : isScalar ? 1 : tests.length;
  const bound = bindCorrelated(a, sub, subLoc, binder, width);
  if (bound === null) return binder.fail(reason(a));
  const q = changetype<AnalyzedQuery>(bound);
  const firstRel = a.firstRel;
  if (isExists) {
    const apart = existsApart(a, q, firstRel);
    if (apart !== null) return apart;
  }
  const correlation = decorrelate(a, q, firstRel, tests);
  if (correlation === null) {
    return refuseSublink(a, binder, "a subquery correlated other than by equalities of columns of one type (inner = outer), "
      + "or with more than one table of the enclosing query", subLoc);
  }
  const corr = changetype<Correlation>(correlation);
  const keys = corr.inner;

  if (isScalar && !q.grouped) {
    // One row per outer row at most: D = its value per key (SubqueryRows.single).
    const rows = subqueryRows(a, q, keys, firstRel);
    if (rows === null) return refuseSublink(a, binder, "a scalar subquery that reads the enclosing query outside its WHERE", subLoc);
    const strict: bool[] = [];
    for (let i = 0; i < keys.length; i++) strict.push(corr.operators[i] != "IS NOT DISTINCT FROM");
    const d = deriveResult(a, changetype<SubqueryRows>(rows).single(strict));
    // Uncorrelated, D has exactly one row (its value NULL when the subquery has none).
    attach(a, d, keys.length == 0 ? JoinType.Inner : JoinType.Left, corr, []);
    // An outer row reading a key of more than one row gets the subquery's own error (21000),
    // from a subquery of two rows evaluated where one is expected: only then, as AND stops at
    // FALSE (the count is NULL for an outer row without rows).
    const count = new CallLikeExpr("COALESCE", [new ColumnExpr(d.rel, d.columns[keys.length + 1]), new ConstExpr("0")]);
    const tooMany = new BoolExpr("AND", [new OperatorExpr(">", count, new ConstExpr("1")),
      new OperatorExpr("=", new ConstExpr("(SELECT 1 FROM (VALUES (1), (2)) AS __pgt_two (x))"), new ConstExpr("1"))]);
    return new CaseExpr(null, [tooMany], [new ConstExpr("NULL")], new ColumnExpr(d.rel, d.columns[keys.length]));
  }
  if (isScalar) {
    if (q.distinct || q.groupKeys.length > 0 || q.having !== null) {
      return refuseSublink(a, binder, "a scalar subquery other than one aggregate row (no GROUP BY, HAVING or DISTINCT)", subLoc);
    }
    const value = q.outputs[0];
    const empty = valueOverNoRows(value.expr);
    if (empty === null) return refuseSublink(a, binder, "a correlated scalar subquery over an aggregate whose value over no rows is unknown", subLoc);
    q.groupKeys = keys;
    q.outputs = keyOutputs(keys).concat([value]);
    // A row of D matched, seen through a key compared by `=` (never NULL then), or a marker.
    let marker = corr.strictKey();
    if (marker < 0 && keys.length > 0) { marker = keys.length + 1; q.outputs.push(new OutputColumn("m", new ConstExpr("true"))); }
    if (queryReadsOuter(q, firstRel)) return refuseSublink(a, binder, "a scalar subquery that reads the enclosing query outside its WHERE", subLoc);
    const d = deriveResult(a, q);
    const v = new ColumnExpr(d.rel, d.columns[keys.length]);
    // Uncorrelated, D has exactly one row.
    attach(a, d, keys.length == 0 ? JoinType.Inner : JoinType.Left, corr, []);
    if (keys.length == 0 || empty == "NULL") return v;
    return new CaseExpr(null, [new NullTestExpr(new ColumnExpr(d.rel, d.columns[marker]), true)], [new ConstExpr(empty)], v);
  }

  // EXISTS and IN: D = DISTINCT (keys, the IN columns) of the subquery's rows.
  const rows = subqueryRows(a, q, keys, firstRel);
  if (rows === null) return refuseSublink(a, binder, "a subquery that reads the enclosing query outside its WHERE", subLoc);
  const r = changetype<SubqueryRows>(rows);
  const inWidth = isExists || corr.folded ? 0 : tests.length;
  if (keys.length + inWidth == 0) {
    // An uncorrelated EXISTS: the subquery's row count, one row always.
    const c = deriveResult(a, r.counts(0, false));
    attach(a, c, JoinType.Inner, corr, []);
    const exists = new OperatorExpr(">", new ColumnExpr(c.rel, c.columns[0]), new ConstExpr("0"));
    return negated ? new BoolExpr("NOT", [exists]) : exists;
  }
  // A row of D matched, seen through a column compared by `=` (never NULL then), or a marker.
  let marker = inWidth > 0 ? keys.length : corr.strictKey();
  const unique = marker >= 0 ? r.uniqueRows(keys.length + inWidth) : null;
  const d = unique !== null ? unique : deriveResult(a, r.distinct(keys.length + inWidth, marker < 0));
  if (marker < 0) marker = keys.length;
  const comparisons: Expr[] = [];
  for (let i = 0; i < inWidth; i++) comparisons.push(new OperatorExpr("=", tests[i], new ColumnExpr(d.rel, d.columns[keys.length + i])));
  const semi = positive && !negated;
  attach(a, d, semi ? JoinType.Inner : JoinType.Left, corr, comparisons);
  if (semi) return new ConstExpr("true");
  const matched = new NullTestExpr(new ColumnExpr(d.rel, d.columns[marker]), false);
  if (isExists) return matched;
  if (tests.length > 1) return refuseSublink(a, binder, "a row value IN a subquery under NOT or OR", loc);
  // Three-valued IN: the subquery's row count and NULL count per key, from a second binding of it.
  const again = bindCorrelated(a, sub, subLoc, binder, width);
  if (again === null) return binder.fail(reason(a));
  const q2 = changetype<AnalyzedQuery>(again);
  const correlation2 = decorrelate(a, q2, a.firstRel, []);
  if (correlation2 === null) return refuseSublink(a, binder, "this IN subquery under NOT or OR", subLoc);
  const corr2 = changetype<Correlation>(correlation2);
  const rows2 = subqueryRows(a, q2, corr2.inner, a.firstRel);
  if (rows2 === null) return refuseSublink(a, binder, "this IN subquery under NOT or OR", subLoc);
  const n2 = corr2.inner.length;
  const c = deriveResult(a, changetype<SubqueryRows>(rows2).counts(n2, true));
  attach(a, c, n2 == 0 ? JoinType.Inner : JoinType.Left, corr2, []);
  const count = new ColumnExpr(c.rel, c.columns[n2]);
  const nulls = new ColumnExpr(c.rel, c.columns[n2 + 1]);
  const zero = new ConstExpr("0");
  const isIn = new CaseExpr(null, [
    matched,
    new OperatorExpr("=", new CallLikeExpr("COALESCE", [count, zero]), zero),
    new BoolExpr("OR", [new NullTestExpr(tests[0], true), new OperatorExpr(">", nulls, zero)]),
  ], [new ConstExpr("true"), new ConstExpr("false"), new ConstExpr("NULL")], new ConstExpr("false"));
  return negated ? new BoolExpr("NOT", [isIn]) : isIn;
}

/**
 * A LATERAL subquery that groups, `q` (its scans numbered from `firstRel`), as a FROM item: its
 * result grouped by its correlation keys too (a derived relation D), joined to the items before
 * it on the correlation. With GROUP BY it has the groups of each outer row's correlation values:
 * the join is inner, or the LEFT JOIN's. Without, it has one row for every outer row, its
 * aggregates over no rows where D has none: a left join (`alwaysOne`), each column reading
 * `count`'s 0 (or NULL) where D did not match. Null (reason recorded) when it cannot.
 */
export function bindGroupingLateral(a: QueryAnalyzer, q: AnalyzedQuery, firstRel: i32, alias: string, colnames: string[], nullable: bool,
  loc: i64): FromItem | null {
  const grouped = q.groupKeys.length > 0;
  if (q.groupingSets !== null || q.windowKeys !== null || (!grouped && q.having !== null)) {
    a.notDifferentiable("a LATERAL subquery with GROUPING SETS, window functions, or HAVING without GROUP BY", loc);
    return null;
  }
  const correlation = decorrelate(a, q, firstRel, []);
  if (correlation === null) {
    a.notDifferentiable("a LATERAL subquery correlated other than by equalities of columns of one type (inner = outer), "
      + "or with more than one table before it", loc);
    return null;
  }
  const corr = changetype<Correlation>(correlation);
  const keys = corr.inner;
  const outputs = q.outputs;
  const empty: string[] = [];
  if (!grouped) {
    for (let i = 0; i < outputs.length; i++) {
      const value = valueOverNoRows(outputs[i].expr);
      if (value === null) { a.notDifferentiable("a LATERAL subquery over an aggregate whose value over no rows is unknown", loc); return null; }
      empty.push(changetype<string>(value));
    }
  }
  q.groupKeys = keys.concat(q.groupKeys);
  q.outputs = keyOutputs(keys).concat(outputs);
  // A row of D matched, seen through a key compared by `=` (never NULL then), or a marker.
  let marker = corr.strictKey();
  if (!grouped && marker < 0 && keys.length > 0) { marker = q.outputs.length; q.outputs.push(new OutputColumn("m", new ConstExpr("true"))); }
  if (queryReadsOuter(q, firstRel)) { a.notDifferentiable("a LATERAL subquery that reads the items before it outside its WHERE", loc); return null; }
  const d = a.derive(q, alias.length > 0 ? alias : "lateral");
  const columns: ColumnBinding[] = [];
  for (let i = 0; i < outputs.length; i++) {
    let e: Expr = new ColumnExpr(d.rel, d.columns[keys.length + i]);
    const computed = !grouped && keys.length > 0 && empty[i] != "NULL";
    if (computed) e = new CaseExpr(null, [new NullTestExpr(new ColumnExpr(d.rel, d.columns[marker]), true)], [new ConstExpr(empty[i])], e);
    columns.push(new ColumnBinding(i < colnames.length ? colnames[i] : outputs[i].name, e, nullable && computed));
  }
  const conditions: Expr[] = [];
  for (let i = 0; i < keys.length; i++) conditions.push(corr.equality(i, new ColumnExpr(d.rel, d.columns[i])));
  const out = new FromItem(d, columns, alias.length > 0 ? [new AliasEntry(alias, "", columns)] : []);
  out.lateral = conjunctionOf(conditions);
  // Correlated without GROUP BY: one row for every outer row, kept by a left join. (Uncorrelated,
  // D has exactly one row, and the inner join keeps every outer row.)
  out.alwaysOne = !grouped && keys.length > 0;
  return out;
}

/**
 * EXISTS over a subquery correlated by equalities and one `inner <> outer` (TPC-H Q21: another
 * supplier's line item of the same order), as the least and greatest inner value per key instead
 * of a join with the enclosing table (see decorrelate), whose delta reads a self-join of lineitem:
 *   EXISTS (SELECT … FROM S WHERE S.k = R.a AND S.b <> R.y AND p)
 *     ⟺ R.y IS NOT NULL AND D.lo IS NOT NULL AND (D.lo <> R.y OR D.hi <> R.y),
 *   D = SELECT k, min(b) AS lo, max(b) AS hi FROM S WHERE p AND b IS NOT NULL GROUP BY k,
 * left joined on k = a: some b differs from y exactly when not all of them equal it. `<>` is the
 * negation of the ordering's equality over non-NULL values of one type, and a NULL y makes every
 * `<>` NULL: EXISTS is false. Null (nothing bound) for any other subquery.
 */
function existsApart(a: QueryAnalyzer, q: AnalyzedQuery, firstRel: i32): Expr | null {
  if (q.grouped || q.where === null) return null;
  const found = apartCorrelation(a, q, firstRel);
  if (found === null) return null;
  const apart = changetype<Apart>(found);
  const nk = apart.corr.inner.length;
  const where = apart.corr.rest.concat([new NullTestExpr(apart.inner, false)]);
  const rows = new SubqueryRows(changetype<Operator>(q.from), conjunctionOf(where), apart.corr.inner.concat([apart.inner]), a.scans);
  const d = deriveResult(a, rows.extremes(nk));
  attach(a, d, JoinType.Left, apart.corr, []);
  const y = apart.outer;
  const lo = new ColumnExpr(d.rel, d.columns[nk]);
  const hi = new ColumnExpr(d.rel, d.columns[nk + 1]);
  return new BoolExpr("AND", [new NullTestExpr(y, false), new NullTestExpr(lo, false),
    new BoolExpr("OR", [differs(lo, y, apart.innerLeft), differs(hi, y, apart.innerLeft)])]);
}

/** Type families (see columnType) with built-in min and max ordered as their `=` compares: existsApart's `<>`. Not boolean, uuid, bytea, ... */
const WITH_EXTREMES = ["integer", "text", "numeric", "real", "double precision", "date", "timestamp without time zone",
  "timestamp with time zone", "time without time zone", "time with time zone", "interval", "money", "oid", "inet"];

/** `v <> y`, written in the order of the subquery's own `<>`. */
function differs(v: Expr, y: Expr, innerLeft: bool): Expr {
  return innerLeft ? new OperatorExpr("<>", v, y) : new OperatorExpr("<>", y, v);
}

/** A subquery's correlation by equalities (`corr`, at least one) and one `inner <> outer`, each between columns of one type. */
class Apart {
  constructor(public corr: Correlation, public inner: Expr, public outer: Expr, public innerLeft: bool) {}
}

/** Splits `q`'s WHERE as existsApart needs it; null for any other correlation. */
function apartCorrelation(a: QueryAnalyzer, q: AnalyzedQuery, firstRel: i32): Apart | null {
  const conjuncts = conjunctsOf(changetype<Expr>(q.where));
  const rest: Expr[] = [];
  let apart: Apart | null = null;
  for (let i = 0; i < conjuncts.length; i++) {
    const c = conjuncts[i];
    if (c.kind == ExprKind.Operator && (c as OperatorExpr).operator == "<>" && (c as OperatorExpr).left !== null) {
      const o = c as OperatorExpr;
      const l = changetype<Expr>(o.left);
      const innerLeft = readsOnlyInner(l, firstRel) && readsOnlyOuter(o.right, firstRel);
      if (innerLeft || (readsOnlyOuter(l, firstRel) && readsOnlyInner(o.right, firstRel))) {
        if (apart !== null) return null;
        const inner = innerLeft ? l : o.right;
        const outer = innerLeft ? o.right : l;
        if (!sameEquality(a, inner, outer) || !WITH_EXTREMES.includes(columnType(a, inner))) return null;
        apart = new Apart(new Correlation(), inner, outer, innerLeft);
        continue;
      }
    }
    rest.push(c);
  }
  if (apart === null) return null;
  const corr = splitCorrelation(conjunctionOf(rest), firstRel);
  if (!corr.ok || corr.inner.length == 0) return null;
  for (let i = 0; i < corr.inner.length; i++) if (!sameEquality(a, corr.inner[i], corr.outer[i])) return null;
  const found = changetype<Apart>(apart);
  found.corr = corr;
  return found;
}

/**
 * Takes the correlation out of subquery `q`'s WHERE (analyze/sublink.ts); null when it cannot.
 * `tests` are the left sides of IN (empty otherwise), compared with `q`'s outputs.
 *
 * Equalities `inner = outer` become keys of the subquery's result when each compares two
 * columns whose types have the same equality (so distinct inner values never compare equal to
 * one outer value), and likewise IN's comparisons. Otherwise the correlation is brought inside
 * when it reads one base table T of the enclosing query, not on the nullable side of an outer
 * join: the subquery is joined with T', the distinct values of the columns of T it reads, on
 * those conjuncts (and IN's comparisons, then `folded`), and the correlation becomes T' = T on
 * those columns. The subquery's result has a row per value of T' that it matches: one at most
 * for each row of T.
 */
function decorrelate(a: QueryAnalyzer, q: AnalyzedQuery, firstRel: i32, tests: Expr[]): Correlation | null {
  const split = splitCorrelation(q.where, firstRel);
  if (split.ok && keysCompareExactly(a, split, q, tests)) {
    q.where = split.where;
    return split;
  }
  const conjuncts = q.where !== null ? conjunctsOf(changetype<Expr>(q.where)) : new Array<Expr>();
  if (tests.length > 0) {
    if (q.grouped) return null;
    for (let i = 0; i < tests.length; i++) conjuncts.push(new OperatorExpr("=", tests[i], q.outputs[i].expr));
  }
  let table = -1;
  const columns: string[] = [];
  for (let i = 0; i < conjuncts.length; i++) {
    const refs = columnRefs(conjuncts[i]);
    for (let k = 0; k < refs.length; k++) {
      if (refs[k].rel >= firstRel) continue;
      if (table >= 0 && refs[k].rel != table) return null;
      table = refs[k].rel;
      if (!columns.includes(refs[k].column)) columns.push(refs[k].column);
    }
  }
  if (table < 0) return null;
  const outer = a.scans[table];
  if (isDerived(outer) || a.nullableRels.includes(table)) return null;
  // T': SELECT DISTINCT <columns> FROM T, a relation of its own.
  const scan = new ScanOperator(a.scans.length, outer.source, outer.alias, outer.inh);
  a.scans.push(scan);
  const values: Expr[] = [];
  for (let i = 0; i < columns.length; i++) values.push(new ColumnExpr(scan.rel, columns[i]));
  const inner = a.derive(new SubqueryRows(scan, null, values, a.scans).distinct(values.length, false), outer.alias);
  const moved: Expr[] = [];
  for (let i = 0; i < columns.length; i++) moved.push(new ColumnExpr(inner.rel, inner.columns[i]));
  const on: Expr[] = [];
  const corr = new Correlation();
  for (let i = 0; i < conjuncts.length; i++) {
    if (readsOuter(conjuncts[i], firstRel)) on.push(replaceColumns(conjuncts[i], table, columns, moved));
    else corr.rest.push(conjuncts[i]);
  }
  for (let i = 0; i < columns.length; i++) {
    const nullable = !outer.source.column(columns[i])!.notNull;
    corr.add(moved[i], new ColumnExpr(table, columns[i]), nullable ? "IS NOT DISTINCT FROM" : "=", true);
  }
  corr.folded = tests.length > 0;
  q.from = new JoinOperator(JoinType.Inner, inner, changetype<Operator>(q.from), conjunctionOf(on));
  q.where = corr.where;
  return corr;
}

/** True when every equality of `split`, and every IN comparison of `tests` with `q`'s outputs, compares two columns of types with one equality. */
function keysCompareExactly(a: QueryAnalyzer, split: Correlation, q: AnalyzedQuery, tests: Expr[]): bool {
  for (let i = 0; i < split.inner.length; i++) if (!sameEquality(a, split.inner[i], split.outer[i])) return false;
  for (let i = 0; i < tests.length; i++) if (!sameEquality(a, q.outputs[i].expr, tests[i])) return false;
  return true;
}

/**
 * True when `a` and `b` are columns of source tables whose types compare with the same
 * equality: the same type (any typmod), two integer types, or two string types. Then distinct
 * values of one never equal one value of the other — unlike numeric against float, where the
 * comparison casts numeric to float.
 */
function sameEquality(a: QueryAnalyzer, left: Expr, right: Expr): bool {
  const x = columnType(a, left);
  const y = columnType(a, right);
  return x.length > 0 && x == y;
}

/**
 * The type family of source column `e` (see sameEquality), looking through the columns of
 * derived relations into what each branch selects; "" for anything else.
 */
function columnType(a: QueryAnalyzer, e: Expr): string {
  if (e.kind != ExprKind.Column) return "";
  const c = e as ColumnExpr;
  const scan = a.scans[c.rel];
  if (isDerived(scan)) {
    const d = changetype<DerivedOperator>(scan);
    const at = d.columns.indexOf(c.column);
    let type = "";
    for (let b = 0; b < d.queries.length; b++) {
      const t = columnType(a, d.queries[b].outputs[at].expr);
      if (t.length == 0 || (b > 0 && t != type)) return "";
      type = t;
    }
    return type;
  }
  const column = scan.source.column(c.column);
  if (column === null) return "";
  let type = column.type;
  const paren = type.indexOf("(");
  if (paren >= 0) type = type.substring(0, paren) + type.substring(type.indexOf(")") + 1);
  if (type == "smallint" || type == "integer" || type == "bigint") return "integer";
  if (type == "text" || type == "character varying" || type == "character") return "text";
  return type;
}

/**
 * Binds subquery `sub` of an expression `binder` binds, seeing `binder`'s scope around it;
 * `width` is the number of columns it must have (-1: any). Null when it cannot (reason recorded).
 */
function bindCorrelated(a: QueryAnalyzer, sub: PNode, loc: i64, binder: ExpressionBinder, width: i32): AnalyzedQuery | null {
  const outer = a.outerScope;
  a.outerScope = binder.scope;
  const first = a.scans.length;
  const q = isConstant(sub) ? constantQuery(a, sub, "subquery", loc) : a.bindQuery(sub, loc, " in a subquery");
  a.outerScope = outer;
  a.firstRel = first;
  if (q === null) return null;
  const n = q.outputs.length;
  if (width == 1 && n > 1) {
    // `ROW(a, b) = (SELECT x, y ...)`: PostgreSQL compares rows; elsewhere it is an error.
    a.notDifferentiable("a subquery of more than one column in an expression", loc);
    return null;
  }
  if (width >= 0 && n != width) {
    const message = n > width ? "subquery has too many columns" : "subquery has too few columns";
    a.failed(new EngineError(ErrorCode.SyntaxError, message).at(a.at(loc)));
    return null;
  }
  return q;
}

/**
 * The rows of subquery `q` (its correlation already taken out of its WHERE) as its correlation
 * keys followed by its output columns: its own FROM and WHERE when it does not group, else the
 * scan of its result, grouped by the keys as well. Null when it reads the enclosing query
 * anywhere else (scans below `firstRel`).
 */
function subqueryRows(a: QueryAnalyzer, q: AnalyzedQuery, keys: Expr[], firstRel: i32): SubqueryRows | null {
  if (q.grouped && keys.length > 0) {
    q.outputs = keyOutputs(keys).concat(q.outputs);
    q.groupKeys = keys.concat(q.groupKeys);
  }
  if (queryReadsOuter(q, firstRel)) return null;
  if (!q.grouped) {
    const exprs = keys.slice(0);
    for (let i = 0; i < q.outputs.length; i++) exprs.push(q.outputs[i].expr);
    return new SubqueryRows(changetype<Operator>(q.from), q.where, exprs, a.scans);
  }
  const d = deriveResult(a, q);
  const exprs: Expr[] = [];
  for (let i = 0; i < d.columns.length; i++) exprs.push(new ColumnExpr(d.rel, d.columns[i]));
  return new SubqueryRows(d, null, exprs, a.scans);
}

/** The reason analysis stopped. */
function reason(a: QueryAnalyzer): EngineError {
  const e = a.result.notDifferentiable;
  return e !== null ? e : changetype<EngineError>(a.result.error);
}

function refuseSublink(a: QueryAnalyzer, binder: ExpressionBinder, construct: string, location: i64): Expr | null {
  a.notDifferentiable(construct, location);
  return binder.fail(reason(a));
}

/** A subquery's result joined to the FROM clause of the SELECT whose expression holds it. */
export class Attachment {
  constructor(public derived: DerivedOperator, public joinType: JoinType, public condition: Expr | null) {}
}

/**
 * A subquery's rows as expressions over a relation: its correlation keys, then its output
 * columns. `distinct` and `counts` build the grouping queries over them that bindSublink joins.
 */
class SubqueryRows {
  constructor(public from: Operator, public where: Expr | null, public exprs: Expr[], public scans: ScanOperator[]) {}

  /**
   * The grouped subquery's own relation, when no two of its rows share their first `width`
   * columns: it groups by nothing else (TPC-H Q18's `IN (SELECT l_orderkey ... GROUP BY
   * l_orderkey HAVING ...)`). A DISTINCT over it would be a second grouping, whose delta
   * recomputes its groups from the first one's state: the whole subquery.
   */
  uniqueRows(width: i32): DerivedOperator | null {
    if (this.from.kind != OperatorKind.Scan || !isDerived(this.from as ScanOperator)) return null;
    const d = changetype<DerivedOperator>(this.from);
    if (d.queries.length != 1) return null;
    const q = d.queries[0];
    if (!q.grouped || q.groupingSets !== null || (q.distinct && q.outputs.length > width)) return null;
    const firsts: string[] = [];
    for (let i = 0; i < width; i++) firsts.push(canonicalSql(q.outputs[i].expr));
    for (let i = 0; i < q.groupKeys.length; i++) if (!firsts.includes(canonicalSql(q.groupKeys[i]))) return null;
    return d;
  }

  /** The first `keys` expressions, grouped, and the least and greatest value of the next one (existsApart). */
  extremes(keys: i32): AnalyzedQuery {
    const q = this.query();
    for (let i = 0; i < keys; i++) {
      q.outputs.push(new OutputColumn("k" + (i + 1).toString(), this.exprs[i]));
      q.groupKeys.push(this.exprs[i]);
    }
    const v = this.exprs[keys];
    const lo = new AggregateExpr(AggregateFunc.Min, v, 0, new AggregateCall("min", true, [v], false, false, [], false, false, null));
    const hi = new AggregateExpr(AggregateFunc.Max, v, 1, new AggregateCall("max", true, [v], false, false, [], false, false, null));
    q.aggregates.push(lo);
    q.aggregates.push(hi);
    q.outputs.push(new OutputColumn("lo", lo));
    q.outputs.push(new OutputColumn("hi", hi));
    return q;
  }

  /** SELECT DISTINCT of the first `width` (> 0) expressions; `marker`: and a column `true` (grouped by them). */
  distinct(width: i32, marker: bool): AnalyzedQuery {
    const q = this.query();
    for (let i = 0; i < width; i++) {
      q.outputs.push(new OutputColumn("k" + (i + 1).toString(), this.exprs[i]));
      q.groupKeys.push(this.exprs[i]);
    }
    if (marker) q.outputs.push(new OutputColumn("m", new ConstExpr("true")));
    else q.distinct = true;
    return q;
  }

  /**
   * A scalar subquery's value per correlation key (the first `strict.length` expressions): the
   * next expression of one of the key's rows (the only one, unless the enclosing query fails),
   * and the number of rows. A key compared by `=` (`strict`) never matches NULL: its NULL rows are left out.
   */
  single(strict: bool[]): AnalyzedQuery {
    const q = this.query();
    const keys = strict.length;
    const notNull: Expr[] = this.where !== null ? [changetype<Expr>(this.where)] : [];
    for (let i = 0; i < keys; i++) {
      q.outputs.push(new OutputColumn("k" + (i + 1).toString(), this.exprs[i]));
      q.groupKeys.push(this.exprs[i]);
      if (strict[i]) notNull.push(new NullTestExpr(this.exprs[i], false));
    }
    q.where = conjunctionOf(notNull);
    const n = new AggregateExpr(AggregateFunc.CountStar, null, 0, new AggregateCall("count", true, [], true, false, [], false, false, null));
    const value = new AggregateExpr(AggregateFunc.Rescan, null, 1,
      new AggregateCall("any_value", true, [this.exprs[keys]], false, false, [], false, false, null));
    q.aggregates.push(n);
    q.aggregates.push(value);
    q.outputs.push(new OutputColumn("v", value));
    q.outputs.push(new OutputColumn("n", n));
    return q;
  }

  /**
   * The first `keys` expressions and the row count, grouped by those keys; `withNulls`: also the
   * count of rows whose next expression (an IN column) is NULL.
   */
  counts(keys: i32, withNulls: bool): AnalyzedQuery {
    const q = this.query();
    for (let i = 0; i < keys; i++) {
      q.outputs.push(new OutputColumn("k" + (i + 1).toString(), this.exprs[i]));
      q.groupKeys.push(this.exprs[i]);
    }
    const n = new AggregateExpr(AggregateFunc.CountStar, null, 0, new AggregateCall("count", true, [], true, false, [], false, false, null));
    q.aggregates.push(n);
    q.outputs.push(new OutputColumn("n", n));
    if (withNulls) {
      const nulls = new AggregateExpr(AggregateFunc.CountStar, null, 1,
        new AggregateCall("count", true, [], true, false, [], false, false, new NullTestExpr(this.exprs[keys], true)));
      q.aggregates.push(nulls);
      q.outputs.push(new OutputColumn("nn", nulls));
    }
    return q;
  }

  private query(): AnalyzedQuery {
    const q = new AnalyzedQuery();
    q.from = this.from;
    q.where = this.where;
    q.scans = this.scans;
    q.grouped = true;
    return q;
  }
}

/** True when some expression of `q` (or of its derived relations) reads a scan numbered below `firstRel`. */
function queryReadsOuter(q: AnalyzedQuery, firstRel: i32): bool {
  const exprs: Expr[] = [];
  collectQueryExprs(q, exprs);
  for (let i = 0; i < exprs.length; i++) if (readsOuter(exprs[i], firstRel)) return true;
  return false;
}

/** A scan of the result of `q`, a (part of a) subquery in an expression, added to the query's scans. */
function deriveResult(a: QueryAnalyzer, q: AnalyzedQuery): DerivedOperator {
  const d = a.derive(q, "subquery");
  d.sublink = true;
  return d;
}

/**
 * Joins `d` to the FROM clause of the SELECT being bound (when it is bound): by `joinType`, on
 * the correlation's equalities with `d`'s first columns and on `more`.
 */
function attach(a: QueryAnalyzer, d: DerivedOperator, joinType: JoinType, corr: Correlation, more: Expr[]): void {
  const conditions: Expr[] = [];
  for (let i = 0; i < corr.inner.length; i++) conditions.push(corr.equality(i, new ColumnExpr(d.rel, d.columns[i])));
  a.pending.push(new Attachment(d, joinType, conjunctionOf(conditions.concat(more))));
}

/**
 * A grouped query reading subquery result `rel` outside its aggregates (a scalar subquery in its
 * select list or HAVING): that result's columns become grouping keys too. They are a function of
 * the correlation's outer columns, which PostgreSQL requires to be grouped, so no group splits.
 */
export function groupBySubquery(q: AnalyzedQuery, rel: i32): void {
  const exprs: Expr[] = [];
  for (let i = 0; i < q.outputs.length; i++) exprs.push(q.outputs[i].expr);
  if (q.having !== null) exprs.push(changetype<Expr>(q.having));
  const texts: string[] = [];
  for (let i = 0; i < q.groupKeys.length; i++) texts.push(canonicalSql(q.groupKeys[i]));
  while (exprs.length > 0) {
    const e = exprs.pop();
    if (e.kind == ExprKind.Aggregate) continue;
    if (e.kind == ExprKind.Column) {
      const text = canonicalSql(e);
      if ((e as ColumnExpr).rel == rel && !texts.includes(text)) { texts.push(text); q.groupKeys.push(e); }
      continue;
    }
    const children = childExpressions(e);
    for (let i = 0; i < children.length; i++) exprs.push(children[i]);
  }
}

/**
 * Grouped query `q` reading uncorrelated scalar subqueries `ds` (one row each) in its select
 * list or HAVING: its groups without them are a derived relation G (keys, then aggregates),
 * joined to each one-row result; the HAVING conjuncts reading them filter that join, and the
 * outputs read G's columns. A change of a subquery's value then joins G's rows to its old and
 * new row once — where grouping by its value would move every group to a new key and
 * recompute each.
 */
export function joinAboveGroups(a: QueryAnalyzer, q: AnalyzedQuery, ds: DerivedOperator[]): AnalyzedQuery {
  const rels: i32[] = [];
  for (let i = 0; i < ds.length; i++) rels.push(ds[i].rel);
  // groupBySubquery made their columns grouping keys (for the checks above): G has none of them.
  const keys: Expr[] = [];
  for (let i = 0; i < q.groupKeys.length; i++) if (!readsAny(q.groupKeys[i], rels)) keys.push(q.groupKeys[i]);
  const kept: Expr[] = [];
  const lifted: Expr[] = [];
  const having = q.having;
  if (having !== null) {
    const conjuncts = conjunctsOf(having);
    for (let i = 0; i < conjuncts.length; i++) (readsAny(conjuncts[i], rels) ? lifted : kept).push(conjuncts[i]);
  }
  const outputs = q.outputs;
  q.groupKeys = keys;
  q.having = conjunctionOf(kept);
  q.outputs = groupOutputs(keys, q.aggregates);
  const g = a.derive(q, "groups");
  const over = new GroupColumns(keys, g);
  let from: Operator = g;
  for (let i = 0; i < ds.length; i++) from = new JoinOperator(JoinType.Inner, from, ds[i], null);
  const out = new AnalyzedQuery();
  out.from = from;
  for (let i = 0; i < outputs.length; i++) out.outputs.push(new OutputColumn(outputs[i].name, over.read(outputs[i].expr)));
  const filters: Expr[] = [];
  for (let i = 0; i < lifted.length; i++) filters.push(over.read(lifted[i]));
  out.where = conjunctionOf(filters);
  out.scans = a.scans;
  return out;
}

/** True when `e` reads a column of a relation in `rels`. */
function readsAny(e: Expr, rels: i32[]): bool {
  const refs = columnRefs(e);
  for (let i = 0; i < refs.length; i++) if (rels.includes(refs[i].rel)) return true;
  return false;
}
