/**
 * @fileoverview LATERAL subqueries in FROM (called by analyze/query.ts): one that selects,
 * projects and joins is flattened with its WHERE as the join condition; one that groups is a
 * derived relation joined on its correlation (bindGroupingLateral in analyze/sublink.ts); one
 * row without FROM adds columns, not a relation.
 */

import { PNode } from "../nodes/parse-node";
import { Expr, ExprKind, ColumnExpr } from "../ir/expr";
import { EngineError } from "../errors/engine-error";
import { Operator } from "../ir/operator-tree";
import { Scope, FromItem, ColumnBinding, AliasEntry } from "./scope";
import { ExpressionBinder } from "./expressions";
import { bindGroupingLateral, readsOuter } from "./sublink";
import { AnalyzedQuery, collectOperatorExprs } from "./analyzed-query";
import { nameList, valuesAsNodes, locationIn, isConstant, isOneRow } from "./tree";
import { QueryAnalyzer } from "./query";

/**
 * A LATERAL subquery that selects, projects and joins (no grouping): flattened like any
 * subquery in FROM, its WHERE — which may read the items `before` it — made the condition of
 * the join that brings it in (`L, LATERAL (SELECT … FROM S WHERE p)` is `L JOIN S ON p`, and
 * `L LEFT JOIN LATERAL (…) ON c` is `L LEFT JOIN S ON p AND c`). On the nullable side of an
 * outer join, an output column that is not one of its own columns would not be padded: it is
 * refused where referenced.
 */
export function bindLateral(a: QueryAnalyzer, item: PNode, nullable: bool, loc: i64, before: FromItem[]): FromItem | null {
  const sub = item.node("subquery");
  const subLoc = locationIn(sub, loc);
  if (sub !== null && sub.tag == "SelectStmt" && isOneRow(changetype<PNode>(sub)) && before.length > 0) {
    return bindLateralRow(a, item, changetype<PNode>(sub), nullable, subLoc, before);
  }
  if (sub === null || sub.tag != "SelectStmt" || isConstant(changetype<PNode>(sub))) { a.notDifferentiable("this LATERAL subquery", subLoc); return null; }
  const scope = new Scope(before);
  scope.outer = a.outerScope;
  const saved = a.outerScope;
  a.outerScope = scope;
  const first = a.scans.length;
  const bound = a.bindQuery(changetype<PNode>(sub), subLoc, " in a LATERAL subquery");
  a.outerScope = saved;
  if (bound === null) return null;
  const q = changetype<AnalyzedQuery>(bound);
  const inside: Expr[] = [];
  collectOperatorExprs(changetype<Operator>(q.from), inside);
  for (let i = 0; i < inside.length; i++) {
    if (readsOuter(inside[i], first)) { a.notDifferentiable("a LATERAL subquery that reads the items before it inside its FROM clause", subLoc); return null; }
  }
  const aliasNode = item.node("alias");
  const alias = aliasNode !== null ? aliasNode.str("aliasname") : "";
  const colnames = aliasNode !== null ? nameList(aliasNode, "colnames") : new Array<string>();
  if (q.grouped) return bindGroupingLateral(a, q, first, alias, colnames, nullable, subLoc);
  // Its WHERE becomes a join condition: only where it filters the rows it returns.
  const columns: ColumnBinding[] = [];
  for (let i = 0; i < q.outputs.length; i++) {
    const e = q.outputs[i].expr;
    const own = e.kind == ExprKind.Column && (e as ColumnExpr).rel >= first;
    columns.push(new ColumnBinding(i < colnames.length ? colnames[i] : q.outputs[i].name, e, nullable && !own));
  }
  const out = new FromItem(changetype<Operator>(q.from), columns, alias.length > 0 ? [new AliasEntry(alias, "", columns)] : []);
  out.lateral = q.where;
  return out;
}

/**
 * A LATERAL subquery of one row without FROM — `LATERAL (SELECT x + 1 AS y)`, `LATERAL
 * (VALUES (x, y))` — adds no relation: its columns are expressions over the items `before` it
 * (`columnsOnly`), evaluated over the joined rows as PostgreSQL evaluates it for each. On the
 * nullable side of an enclosing outer join a computed one would not be padded: it is refused
 * where referenced.
 */
function bindLateralRow(a: QueryAnalyzer, item: PNode, sub: PNode, nullable: bool, loc: i64, before: FromItem[]): FromItem | null {
  const scope = new Scope(before);
  scope.outer = a.outerScope;
  const binder = new ExpressionBinder(a.queryText, scope, a.fixedPosition, a.functions);
  const names: string[] = [];
  const exprs: Expr[] = [];
  const values = sub.list("valuesLists");
  if (values.length > 0) {
    const row = valuesAsNodes(values[0].items);
    for (let i = 0; i < row.length; i++) {
      const e = binder.bind(row[i], 0, false);
      if (e === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
      names.push("column" + (i + 1).toString());
      exprs.push(changetype<Expr>(e));
    }
  } else {
    const outputs = a.bindTargets(sub, binder, false);
    if (outputs === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
    for (let i = 0; i < outputs.length; i++) { names.push(outputs[i].name); exprs.push(outputs[i].expr); }
  }
  const aliasNode = item.node("alias");
  const alias = aliasNode !== null ? aliasNode.str("aliasname") : "";
  const colnames = aliasNode !== null ? nameList(aliasNode, "colnames") : new Array<string>();
  const columns: ColumnBinding[] = [];
  for (let i = 0; i < exprs.length; i++) {
    columns.push(new ColumnBinding(i < colnames.length ? colnames[i] : names[i], exprs[i], nullable && exprs[i].kind != ExprKind.Column));
  }
  const out = new FromItem(before[0].op, columns, alias.length > 0 ? [new AliasEntry(alias, "", columns)] : []);
  out.columnsOnly = true;
  return out;
}

