/**
 * @fileoverview GROUP BY of a defining query (called by analyze/query.ts): its keys, and its
 * GROUPING SETS, ROLLUP and CUBE expanded to sets of keys, as PostgreSQL expands them.
 */

import { PNode } from "../nodes/parse-node";
import { Expr, columnRefs } from "../ir/expr";
import { ExpressionBinder } from "./expressions";
import { nodeList, nameList, locationIn } from "./tree";
import { canonicalSql } from "../sqlgen/render-expression";
import { QueryAnalyzer } from "./query";
import { AnalyzedQuery } from "./analyzed-query";

/**
 * Binds the GROUP BY clause into q.groupKeys (distinct keys in order of appearance) and, when it
 * has GROUPING SETS, ROLLUP or CUBE, q.groupingSets. False when it cannot (reason recorded).
 */
export function bindGroupBy(a: QueryAnalyzer, items: Array<PNode | null>, q: AnalyzedQuery, binder: ExpressionBinder, loc: i64): bool {
  // Each item expands to a list of sets; the clause is their cross product.
  let sets: Expr[][] = [[]];
  let hasSets = false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null) continue;
    let expanded: Expr[][] | null;
    if (item.tag == "GroupingSet") {
      hasSets = true;
      expanded = expandGroupingSet(a, item, q, binder);
    } else if (isImplicitRow(item)) {
      // `GROUP BY (a, b)` groups by a and b, as PostgreSQL reads an implicit row there.
      expanded = expandGroupingSet(a, item, q, binder);
    } else {
      const key = bindGroupKey(a, item, q, binder);
      expanded = key === null ? null : [[changetype<Expr>(key)]];
    }
    if (expanded === null) return false;
    const product: Expr[][] = [];
    for (let x = 0; x < sets.length; x++) {
      for (let y = 0; y < expanded.length; y++) product.push(sets[x].concat(expanded[y]));
    }
    sets = product;
    if (sets.length > a.maxGroupingSets) return tooManyGroupingSets(a, item);
  }
  const texts: string[] = [];
  for (let s = 0; s < sets.length; s++) {
    for (let k = 0; k < sets[s].length; k++) {
      const text = canonicalSql(sets[s][k]);
      if (!texts.includes(text)) { texts.push(text); q.groupKeys.push(sets[s][k]); }
    }
  }
  if (!hasSets) return true;
  if (q.groupKeys.length > 31) { a.notDifferentiable("GROUPING SETS over more than 31 distinct keys", loc); return false; }
  // PostgreSQL folds a key without columns (a constant a subquery selects, once flattened) into
  // the expressions that use it, so they would not turn NULL in the sets without that key.
  for (let k = 0; k < q.groupKeys.length; k++) {
    if (columnRefs(q.groupKeys[k]).length == 0) { a.notDifferentiable("a grouping key without a column in GROUPING SETS, ROLLUP or CUBE", loc); return false; }
  }
  const masks: i32[] = [];
  const n = q.groupKeys.length;
  for (let s = 0; s < sets.length; s++) {
    let mask = (1 << n) - 1;
    for (let k = 0; k < sets[s].length; k++) mask &= ~(1 << (n - 1 - texts.indexOf(canonicalSql(sets[s][k]))));
    // A repeated set repeats its rows: the aggregate stores one copy of each per repetition.
    masks.push(mask);
  }
  q.groupingSets = masks;
  return true;
}

function tooManyGroupingSets(a: QueryAnalyzer, item: PNode): bool {
  a.notDifferentiable("more than " + a.maxGroupingSets.toString() + " grouping sets (pg_trickle.max_grouping_set_branches)", locationIn(item, 0));
  return false;
}

/** The sets a GROUPING SETS, ROLLUP, CUBE, () or parenthesized item stands for; null on error. */
function expandGroupingSet(a: QueryAnalyzer, item: PNode, q: AnalyzedQuery, binder: ExpressionBinder): Expr[][] | null {
  const kind = isImplicitRow(item) ? "GROUPING_SET_SIMPLE" : item.str("kind");
  if (kind == "GROUPING_SET_EMPTY") return [[]];
  const content = isImplicitRow(item) ? nodeList(item, "args") : nodeList(item, "content");
  if (kind == "GROUPING_SET_SETS") {
    let out: Expr[][] = [];
    for (let i = 0; i < content.length; i++) {
      const c = content[i];
      if (c === null) continue;
      let part: Expr[][] | null;
      if (c.tag == "GroupingSet" || isImplicitRow(c)) part = expandGroupingSet(a, c, q, binder);
      else {
        const key = bindGroupKey(a, c, q, binder);
        part = key === null ? null : [[changetype<Expr>(key)]];
      }
      if (part === null) return null;
      out = out.concat(part);
      if (out.length > a.maxGroupingSets) { tooManyGroupingSets(a, item); return null; }
    }
    return out;
  }
  // SIMPLE, ROLLUP and CUBE are made of units: an expression, or a parenthesized list of them.
  const units: Expr[][] = [];
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (c === null) continue;
    const unit: Expr[] = [];
    const members = c.tag == "GroupingSet" ? nodeList(c, "content") : isImplicitRow(c) ? nodeList(c, "args") : [c];
    for (let m = 0; m < members.length; m++) {
      const key = bindGroupKey(a, members[m], q, binder);
      if (key === null) return null;
      unit.push(changetype<Expr>(key));
    }
    units.push(unit);
  }
  if (kind == "GROUPING_SET_SIMPLE") {
    let all: Expr[] = [];
    for (let i = 0; i < units.length; i++) all = all.concat(units[i]);
    return [all];
  }
  const out: Expr[][] = [];
  if (kind == "GROUPING_SET_ROLLUP") {
    for (let len = units.length; len >= 0; len--) {
      let set: Expr[] = [];
      for (let i = 0; i < len; i++) set = set.concat(units[i]);
      out.push(set);
    }
    return out;
  }
  if (units.length > 30 || (1 << units.length) > a.maxGroupingSets) { tooManyGroupingSets(a, item); return null; }
  // CUBE: every subset, the largest first, as PostgreSQL lists them.
  for (let bits = (1 << units.length) - 1; bits >= 0; bits--) {
    let set: Expr[] = [];
    for (let i = 0; i < units.length; i++) if ((bits & (1 << (units.length - 1 - i))) != 0) set = set.concat(units[i]);
    out.push(set);
  }
  return out;
}

/** A GROUP BY item: an expression, an output position, or an output column name. */
export function bindGroupKey(a: QueryAnalyzer, item: PNode | null, q: AnalyzedQuery, binder: ExpressionBinder): Expr | null {
  if (item === null) return null;
  if (item.tag == "A_Const") {
    const v = item.node("val");
    if (v !== null && v.tag == "Integer") {
      const position = <i32>v.int("ival");
      if (position >= 1 && position <= q.outputs.length) return q.outputs[position - 1].expr;
    }
  }
  if (item.tag == "ColumnRef") {
    const parts = nameList(item, "fields");
    if (parts.length == 1 && !binder.scope.hasColumn(parts[0])) {
      for (let i = 0; i < q.outputs.length; i++) if (q.outputs[i].name == parts[0]) return q.outputs[i].expr;
    }
  }
  return binder.bind(item, 0, false);
}

/** `(a, b)` written without ROW: in GROUP BY it is a list of keys, not a row value. */
function isImplicitRow(n: PNode): bool {
  return n.tag == "RowExpr" && n.str("row_format") == "COERCE_IMPLICIT_CAST";
}
