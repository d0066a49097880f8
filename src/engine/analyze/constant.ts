/**
 * @fileoverview VALUES, or a SELECT without FROM, in FROM (called by analyze/query.ts and
 * analyze/sublink.ts): a constant relation, whose delta is always empty.
 */

import { PNode } from "../nodes/parse-node";
import { ColumnExpr, columnRefs } from "../ir/expr";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { DerivedOperator } from "../ir/operator-tree";
import { Scope, FromItem, ColumnBinding, AliasEntry } from "./scope";
import { ExpressionBinder } from "./expressions";
import { valuesAsNodes } from "./tree";
import { canonicalSql } from "../sqlgen/render-expression";
import { QueryAnalyzer } from "./query";
import { AnalyzedQuery, OutputColumn } from "./analyzed-query";

/**
 * VALUES, or a SELECT without FROM, in FROM: a constant relation (it never changes, so its
 * delta is empty). Its expressions are bound like any other; columns are named as PostgreSQL
 * names them (`column1`, ... for VALUES) unless `colnames` says otherwise.
 */
export function bindConstant(a: QueryAnalyzer, s: PNode, alias: string, colnames: string[], loc: i64): FromItem | null {
  const where = " in a subquery in FROM";
  if (s.node("whereClause") !== null || s.list("groupClause").length > 0 || s.node("havingClause") !== null
    || s.list("distinctClause").length > 0) {
    a.notDifferentiable("a SELECT without FROM with WHERE, GROUP BY, HAVING or DISTINCT" + where, loc);
    return null;
  }
  if (!a.checkPlainSelect(s, loc, where)) return null;
  // Inside a subquery in an expression, names of the enclosing query resolve, and are refused.
  const scope = new Scope([]);
  scope.outer = a.outerScope;
  const binder = new ExpressionBinder(a.queryText, scope, a.fixedPosition, a.functions);
  const names: string[] = [];
  const rendered: string[] = [];
  const values = s.list("valuesLists");
  let sql: string;
  if (values.length > 0) {
    const rows: string[] = [];
    for (let r = 0; r < values.length; r++) {
      const items = valuesAsNodes(values[r].items);
      if (r == 0) for (let i = 0; i < items.length; i++) names.push("column" + (i + 1).toString());
      if (items.length != names.length) {
        a.failed(new EngineError(ErrorCode.SyntaxError, "VALUES lists must all be the same length").at(a.at(loc)));
        return null;
      }
      const row: string[] = [];
      for (let i = 0; i < items.length; i++) {
        const e = binder.bind(items[i], 0, false);
        if (e === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
        if (columnRefs(e).length > 0) return constantReadsOuter(a, loc);
        row.push(canonicalSql(e));
      }
      rows.push("(" + row.join(", ") + ")");
    }
    const columns: string[] = [];
    for (let i = 0; i < names.length; i++) columns.push("o" + (i + 1).toString());
    sql = "SELECT * FROM (VALUES " + rows.join(", ") + ") AS v (" + columns.join(", ") + ")";
  } else {
    const outputs = a.bindTargets(s, binder, false);
    if (outputs === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
    for (let i = 0; i < outputs.length; i++) {
      if (columnRefs(outputs[i].expr).length > 0) return constantReadsOuter(a, loc);
      names.push(outputs[i].name);
      rendered.push(canonicalSql(outputs[i].expr) + " AS o" + (i + 1).toString());
    }
    sql = "SELECT " + rendered.join(", ");
  }
  const constant = DerivedOperator.constant(a.scans.length, sql, names.length, alias.length > 0 ? alias : "values");
  a.scans.push(constant);
  const columns: ColumnBinding[] = [];
  for (let i = 0; i < names.length; i++) {
    columns.push(new ColumnBinding(i < colnames.length ? colnames[i] : names[i], new ColumnExpr(constant.rel, constant.columns[i])));
  }
  return new FromItem(constant, columns, alias.length > 0 ? [new AliasEntry(alias, "", columns)] : []);
}

function constantReadsOuter(a: QueryAnalyzer, loc: i64): FromItem | null {
  a.notDifferentiable("VALUES or a SELECT without FROM that reads the enclosing query", loc);
  return null;
}

/** VALUES, or a SELECT without FROM, as a query reading its constant relation (a subquery, a set operation's branch). */
export function constantQuery(a: QueryAnalyzer, s: PNode, alias: string, loc: i64): AnalyzedQuery | null {
  const item = bindConstant(a, s, alias, [], loc);
  if (item === null) return null;
  const q = new AnalyzedQuery();
  q.from = item.op;
  for (let i = 0; i < item.columns.length; i++) q.outputs.push(new OutputColumn(item.columns[i].name, item.columns[i].expr));
  q.scans = a.scans;
  return q;
}
