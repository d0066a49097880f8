/**
 * @fileoverview The result of analysing a defining query (analyze/query.ts): the AnalyzedQuery
 * the operator tree is built from, its output columns, and the walks over its expressions.
 */

import { Expr, ExprKind, AggregateExpr, BoolExpr, ColumnExpr, childExpressions, withChildren } from "../ir/expr";
import { canonicalSql } from "../sqlgen/render-expression";
import { RelationInfo } from "./catalog";
import { Operator, OperatorKind, ScanOperator, FilterOperator, JoinOperator, DerivedOperator, isDerived } from "../ir/operator-tree";
import { EngineError } from "../errors/engine-error";

/** One output column of the defining query. */
export class OutputColumn {
  constructor(public name: string, public expr: Expr) {}
}

/** A differentiable query, resolved. */
export class AnalyzedQuery {
  /** The FROM clause as a tree of scans, joins and the filters of flattened subqueries. */
  from: Operator | null = null;
  /** Every scan of the query, indexed by its `rel`. */
  scans: ScanOperator[] = [];
  /** The views it reads, inlined (their tables are among the scans). */
  views: RelationInfo[] = [];
  where: Expr | null = null;
  outputs: OutputColumn[] = [];
  /** GROUP BY keys (for DISTINCT: the output expressions). */
  groupKeys: Expr[] = [];
  aggregates: AggregateExpr[] = [];
  /**
   * GROUPING SETS, ROLLUP, CUBE: one entry per grouping set, the value GROUPING(every key) takes
   * for its rows (bit n-1-i set when key i is not in the set), repeated when the set is;
   * null for a plain GROUP BY.
   */
  groupingSets: i32[] | null = null;
  /** HAVING: a condition on each group. */
  having: Expr | null = null;
  /** The partition keys its window functions share, when its select list has any (operators/derived.ts). */
  windowKeys: Expr[] | null = null;
  /** True when the result is a set of groups: GROUP BY, aggregates, HAVING or DISTINCT. */
  grouped: bool = false;
  distinct: bool = false;
  /** A projection whose every row stands for this many copies (INTERSECT ALL, EXCEPT ALL); null: one. */
  copies: Expr | null = null;
}

/** The outcome of analysis: a query, or why it is not differentiable, or a hard error. */
export class Analysis {
  query: AnalyzedQuery | null = null;
  /** Why the query cannot be differential (UnsupportedConstruct or QueryTooComplex); FULL still works. */
  notDifferentiable: EngineError | null = null;
  /** An error that no refresh mode can get past (unknown column, bad statement...). */
  error: EngineError | null = null;
  /**
   * ORDER BY ... LIMIT k [OFFSET m] at the top (TopK): `query` is the query without them, and a
   * refresh recomputes the top rows and changes the stored rows that differ.
   */
  topK: bool = false;
  /**
   * WITH RECURSIVE at the top (analyze/recursive.ts): `query` holds only the scans of its sources,
   * and a refresh with changes runs the query and changes the stored rows that differ.
   */
  recursive: bool = false;
  /**
   * Why rows of the query depend on which rows PostgreSQL reads first ("" when none do): an
   * aggregate of that kind in a derived relation (analyze/order-sensitive.ts), a window function
   * over tied rows (analyze/windows.ts), a LIMIT or OFFSET below the top or an OFFSET without
   * LIMIT (analyze/query.ts). A refresh with changes runs the query and changes the stored rows
   * that differ.
   */
  recomputeReason: string = "";
  /** True when a refresh with changes recomputes the query and writes the difference (TopK, WITH RECURSIVE, recomputeReason). */
  get recomputed(): bool { return this.topK || this.recursive || this.recomputeReason.length > 0; }
  /** What a differential or IMMEDIATE stream table of this query should be warned about (volatile, stable functions). */
  warnings: string[] = [];
}

/** Output columns `k1`, `k2`, ... for `keys`. */
export function keyOutputs(keys: Expr[]): OutputColumn[] {
  const out: OutputColumn[] = [];
  for (let i = 0; i < keys.length; i++) out.push(new OutputColumn("k" + (i + 1).toString(), keys[i]));
  return out;
}

/** The outputs of a grouped query's groups as a relation of their own: the keys, then the aggregates by index (see GroupColumns). */
export function groupOutputs(keys: Expr[], aggregates: AggregateExpr[]): OutputColumn[] {
  const out = keyOutputs(keys);
  for (let i = 0; i < aggregates.length; i++) out.push(new OutputColumn("a" + (i + 1).toString(), aggregates[i]));
  return out;
}

/**
 * Reads expressions over a grouped query's keys and aggregates from the Derived relation `g` of
 * its groups (columns as groupOutputs lays them out).
 */
export class GroupColumns {
  texts: string[] = [];
  constructor(public keys: Expr[], public g: DerivedOperator) {
    for (let i = 0; i < keys.length; i++) this.texts.push(canonicalSql(keys[i]));
  }

  read(e: Expr): Expr {
    const at = this.texts.indexOf(canonicalSql(e));
    if (at >= 0) return new ColumnExpr(this.g.rel, this.g.columns[at]);
    if (e.kind == ExprKind.Aggregate) return new ColumnExpr(this.g.rel, this.g.columns[this.keys.length + (e as AggregateExpr).index]);
    const children = childExpressions(e);
    if (children.length == 0) return e;
    const read: Expr[] = [];
    for (let i = 0; i < children.length; i++) read.push(this.read(children[i]));
    return withChildren(e, read);
  }
}

export function conjunctionOf(conditions: Expr[]): Expr | null {
  return conditions.length == 0 ? null : conditions.length == 1 ? conditions[0] : new BoolExpr("AND", conditions);
}

/** Every expression of `q`, those of its derived relations (grouping subqueries, UNION branches) included. */
export function collectQueryExprs(q: AnalyzedQuery, exprs: Expr[]): void {
  collectOperatorExprs(changetype<Operator>(q.from), exprs);
  if (q.where !== null) exprs.push(changetype<Expr>(q.where));
  if (q.copies !== null) exprs.push(changetype<Expr>(q.copies));
  for (let i = 0; i < q.outputs.length; i++) exprs.push(q.outputs[i].expr);
  for (let i = 0; i < q.groupKeys.length; i++) exprs.push(q.groupKeys[i]);
  if (q.having !== null) exprs.push(changetype<Expr>(q.having));
}

/** The join conditions and filter predicates inside a FROM tree (and its grouping subqueries), in tree order. */
export function collectOperatorExprs(op: Operator, out: Expr[]): void {
  if (op.kind == OperatorKind.Scan) {
    if (isDerived(op as ScanOperator)) {
      const call = changetype<DerivedOperator>(op).call;
      if (call !== null) out.push(call);
      const queries = changetype<DerivedOperator>(op).queries;
      for (let i = 0; i < queries.length; i++) collectQueryExprs(queries[i], out);
    }
  } else if (op.kind == OperatorKind.Filter) {
    const f = op as FilterOperator;
    collectOperatorExprs(f.input, out);
    out.push(f.predicate);
  } else if (op.kind == OperatorKind.Join) {
    const j = op as JoinOperator;
    collectOperatorExprs(j.left, out);
    collectOperatorExprs(j.right, out);
    if (j.condition !== null) out.push(changetype<Expr>(j.condition));
  }
}
