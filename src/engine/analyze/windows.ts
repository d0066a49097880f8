/**
 * @fileoverview Window functions and DISTINCT ON in a SELECT (called by analyze/query.ts): the
 * rows with their window values become a Derived relation with a Window branch
 * (operators/derived.ts), whose delta recomputes the partitions a change touches; windows over
 * groups read a Derived relation of the groups; DISTINCT ON is row_number() = 1 per group.
 */

import { PNode } from "../nodes/parse-node";
import { Expr, ExprKind, ColumnExpr, AggregateCall, WindowExpr, SortKey, FRAME_ROWS, childExpressions, columnRefs } from "../ir/expr";
import { EngineError } from "../errors/engine-error";
import { Operator, ScanOperator, DerivedOperator, isDerived, scansOf } from "../ir/operator-tree";
import { ExpressionBinder, sortSuffix } from "./expressions";
import { nodeList } from "./tree";
import { canonicalSql } from "../sqlgen/render-expression";
import { QueryAnalyzer } from "./query";
import { bindGroupKey } from "./group-by";
import { AnalyzedQuery, OutputColumn, GroupColumns, groupOutputs } from "./analyzed-query";

/**
 * `SELECT DISTINCT ON (keys) ... ORDER BY ...`: `row_number() OVER (PARTITION BY keys ORDER BY
 * the ORDER BY)`, whose first rows bindSelect keeps. Keys and ORDER BY items may name output
 * columns or positions, as in GROUP BY. Null (reason recorded) when they cannot be bound.
 */
export function bindDistinctOn(a: QueryAnalyzer, s: PNode, q: AnalyzedQuery, binder: ExpressionBinder, items: Array<PNode | null>, where: string, loc: i64): WindowExpr | null {
  const keys: Expr[] = [];
  for (let i = 0; i < items.length; i++) {
    const key = bindGroupKey(a, items[i], q, binder);
    if (key === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
    keys.push(changetype<Expr>(key));
  }
  const order: SortKey[] = [];
  const sorts = nodeList(s, "sortClause");
  for (let i = 0; i < sorts.length; i++) {
    const sort = sorts[i];
    if (sort === null) continue;
    const e = bindGroupKey(a, sort.node("node"), q, binder);
    if (e === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
    order.push(new SortKey(changetype<Expr>(e), sortSuffix(sort)));
  }
  return new WindowExpr(new AggregateCall("row_number", true, [], false, false, [], false, false, null), keys, order, 0, null, null);
}

/**
 * A SELECT whose select list has window functions `windows`: its rows with their window values
 * are a Derived relation (a Window branch), which the query reads; only partitions a change
 * touches are recomputed. Null (reason recorded) for windows over groups.
 */
export function windowed(a: QueryAnalyzer, q: AnalyzedQuery, windows: WindowExpr[], where: string, loc: i64): AnalyzedQuery | null {
  if (q.distinct || q.groupingSets !== null) {
    a.notDifferentiable("window functions in a query with DISTINCT or GROUPING SETS" + where, loc);
    return null;
  }
  if (q.grouped) {
    // Windows over groups: the groups (keys and aggregates) are a Derived relation of their own,
    // which the windows read.
    const groups = new AnalyzedQuery();
    groups.from = q.from;
    groups.where = q.where;
    groups.groupKeys = q.groupKeys;
    groups.aggregates = q.aggregates;
    groups.having = q.having;
    groups.grouped = true;
    groups.scans = a.scans;
    groups.outputs = groupOutputs(q.groupKeys, q.aggregates);
    const g = a.derive(groups, "groups");
    const over = new GroupColumns(q.groupKeys, g);
    const outputs: OutputColumn[] = [];
    for (let i = 0; i < q.outputs.length; i++) outputs.push(new OutputColumn(q.outputs[i].name, over.read(q.outputs[i].expr)));
    const read = new AnalyzedQuery();
    read.from = g;
    read.outputs = outputs;
    read.scans = a.scans;
    q = read;
    windows = windowsIn(outputs);
  }
  for (let i = 0; i < windows.length; i++) {
    if (!orderDetermines(windows[i], changetype<Operator>(q.from)) && !tiesAlike(windows[i], q.outputs)) {
      // Its rows depend on the order PostgreSQL reads tied rows in: a recomputed partition need
      // not give the rows stored for it, so the whole query is recomputed (analyze/order-sensitive.ts).
      a.recomputeFor("window function " + windows[i].call.bareName + "() over rows its PARTITION BY and ORDER BY leave tied depends on the order PostgreSQL reads rows in");
    }
  }
  // The partition keys of every window (canonical texts compared).
  let keys = windows[0].partition.slice(0);
  for (let i = 1; i < windows.length; i++) {
    const texts: string[] = [];
    for (let k = 0; k < windows[i].partition.length; k++) texts.push(canonicalSql(windows[i].partition[k]));
    const shared: Expr[] = [];
    for (let k = 0; k < keys.length; k++) if (texts.includes(canonicalSql(keys[k]))) shared.push(keys[k]);
    keys = shared;
  }
  q.windowKeys = keys;
  const d = a.derive(q, "window");
  const out = new AnalyzedQuery();
  out.from = d;
  for (let i = 0; i < q.outputs.length; i++) out.outputs.push(new OutputColumn(q.outputs[i].name, new ColumnExpr(d.rel, d.columns[i])));
  out.scans = a.scans;
  return out;
}

/**
 * True when window `w`'s values do not depend on the order in which PostgreSQL happens to
 * read rows that its PARTITION BY and ORDER BY leave tied — the order of a recomputed
 * partition need not be the order of the first computation. Peer-based windows (rank,
 * aggregates over RANGE or GROUPS frames, ...) never depend on it; row_number, ntile, lag,
 * lead, first_value, last_value, nth_value, ROWS frames and functions outside pg_catalog may,
 * unless the keys include a unique key of every relation under `from` (a table's primary key,
 * a grouping's keys).
 */
function orderDetermines(w: WindowExpr, from: Operator): bool {
  if (w.call.builtin && !ORDER_DEPENDENT_WINDOWS.includes(w.call.bareName) && (w.frameOptions & FRAME_ROWS) == 0) return true;
  const keys = windowKeys(w);
  const scans = scansOf(from);
  for (let i = 0; i < scans.length; i++) {
    const unique = uniqueColumns(scans[i]);
    if (unique === null) return false;
    for (let k = 0; k < unique.length; k++) if (!keys.includes(canonicalSql(unique[k]))) return false;
  }
  return true;
}

/** The canonical texts of window `w`'s PARTITION BY and ORDER BY expressions. */
export function windowKeys(w: WindowExpr): string[] {
  const keys: string[] = [];
  for (let i = 0; i < w.partition.length; i++) keys.push(canonicalSql(w.partition[i]));
  for (let i = 0; i < w.order.length; i++) keys.push(canonicalSql(w.order[i].expr));
  return keys;
}

/**
 * True when rows that window `w`'s PARTITION BY and ORDER BY leave tied are alike in every column
 * the select list `outputs` reads (each is one of those keys): whatever order PostgreSQL reads
 * them in, they get the same values as a multiset (`SELECT four, row_number() OVER (PARTITION
 * BY four ORDER BY ten), ten`), so a recomputed partition has exactly the rows stored for it.
 */
function tiesAlike(w: WindowExpr, outputs: OutputColumn[]): bool {
  const keys = windowKeys(w);
  for (let i = 0; i < outputs.length; i++) {
    const refs = columnRefs(outputs[i].expr);
    for (let k = 0; k < refs.length; k++) if (!keys.includes(canonicalSql(refs[k]))) return false;
  }
  return true;
}

/** Window functions whose value depends on the order of the rows within a partition. */
const ORDER_DEPENDENT_WINDOWS = ["row_number", "ntile", "lag", "lead", "first_value", "last_value", "nth_value"];


/**
 * Columns of `scan` that identify its rows: a table's primary key, a grouping's keys (none for
 * one row), every column of a DISTINCT; null when there are none (a table without a primary
 * key, UNION ALL).
 */
function uniqueColumns(scan: ScanOperator): Expr[] | null {
  const out: Expr[] = [];
  if (!isDerived(scan)) {
    for (let i = 0; i < scan.source.primaryKey.length; i++) out.push(new ColumnExpr(scan.rel, scan.source.primaryKey[i]));
    return out.length > 0 ? out : null;
  }
  const d = changetype<DerivedOperator>(scan);
  if (d.queries.length != 1 || !d.queries[0].grouped || d.queries[0].groupingSets !== null) return null;
  const q = d.queries[0];
  for (let k = 0; k < q.groupKeys.length; k++) {
    const text = canonicalSql(q.groupKeys[k]);
    let found = -1;
    for (let i = 0; i < q.outputs.length; i++) if (canonicalSql(q.outputs[i].expr) == text) found = i;
    if (found < 0) return null;
    out.push(new ColumnExpr(d.rel, d.columns[found]));
  }
  return out;
}

/** The window function calls in `outputs`. */
export function windowsIn(outputs: OutputColumn[]): WindowExpr[] {
  const out: WindowExpr[] = [];
  const stack: Expr[] = [];
  for (let i = 0; i < outputs.length; i++) stack.push(outputs[i].expr);
  while (stack.length > 0) {
    const e = stack.pop();
    if (e.kind == ExprKind.Window) out.push(e as WindowExpr);
    const children = childExpressions(e);
    for (let i = 0; i < children.length; i++) stack.push(children[i]);
  }
  return out;
}
