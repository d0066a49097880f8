/**
 * @fileoverview Analysis of a defining query: checks it is one SELECT, resolves its source and
 * expressions, and decides whether it can be maintained differentially. The result is either an
 * AnalyzedQuery or the reason it is not differentiable (an UnsupportedConstruct error value),
 * which AUTO mode turns into FULL refresh and DIFFERENTIAL mode into an ERROR.
 */

import { PNode } from "../nodes/parse-node";
import { Expr, ExprKind, ColumnExpr, AggregateExpr } from "../ir/expr";
import {
  OperatorExpr, FunctionExpr, BoolExpr, NullTestExpr, BooleanTestExpr, CaseExpr, CastExpr, CallLikeExpr,
  ArrayExpr, CollateExpr, InExpr, BetweenExpr, DistinctExpr, AnyAllExpr,
} from "../ir/expr";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { RelationInfo, lookupRelation } from "./catalog";
import { ExpressionBinder, FULL_MODE_HINT } from "./expressions";
import { nodeList, nameList, characterPosition } from "./tree";
import { canonicalSql } from "../sqlgen/render-expression";

/** One output column of the defining query. */
export class OutputColumn {
  constructor(public name: string, public expr: Expr) {}
}

/** A differentiable single-source query, resolved. */
export class AnalyzedQuery {
  source: RelationInfo = new RelationInfo();
  where: Expr | null = null;
  outputs: OutputColumn[] = [];
  /** GROUP BY keys (for DISTINCT: the output expressions). */
  groupKeys: Expr[] = [];
  aggregates: AggregateExpr[] = [];
  /** True when the result is a set of groups: GROUP BY, aggregates, or DISTINCT. */
  grouped: bool = false;
  distinct: bool = false;
  /** Source columns the query reads, in first-use order. */
  columnsUsed: string[] = [];
}

/** The outcome of analysis: a query, or why it is not differentiable, or a hard error. */
export class Analysis {
  query: AnalyzedQuery | null = null;
  /** Why the query cannot be differential (UnsupportedConstruct or QueryTooComplex); FULL still works. */
  notDifferentiable: EngineError | null = null;
  /** An error that no refresh mode can get past (unknown column, bad statement...). */
  error: EngineError | null = null;
}

/** The one SELECT statement of a defining query, or why there is none. */
export class SelectResult {
  constructor(public select: PNode | null, public error: EngineError | null) {}
}

function notASelect(error: EngineError): SelectResult { return new SelectResult(null, error); }

/** Checks that `statements` is a single plain SELECT and returns it, or an error. */
export function singleSelect(statements: PNode[]): SelectResult {
  if (statements.length != 1) {
    return notASelect(new EngineError(ErrorCode.SyntaxError, "the defining query must be exactly one SELECT statement")
      .withDetail("It contains " + statements.length.toString() + " statements."));
  }
  let stmt: PNode | null = statements[0];
  if (stmt !== null && stmt.tag == "RawStmt") stmt = stmt.node("stmt");
  if (stmt === null || stmt.tag != "SelectStmt") {
    const tag = stmt === null ? "an empty statement" : stmt.tag;
    return notASelect(new EngineError(ErrorCode.SyntaxError, "the defining query must be a SELECT statement")
      .withDetail("Found " + tag + "."));
  }
  const s = changetype<PNode>(stmt);
  if (s.node("intoClause") !== null) {
    return notASelect(new EngineError(ErrorCode.UnsupportedConstruct, "the defining query must not use SELECT INTO")
      .withHint("Remove the INTO clause; the stream table stores the result."));
  }
  if (s.list("lockingClause").length > 0) {
    return notASelect(new EngineError(ErrorCode.UnsupportedConstruct, "the defining query must not use FOR UPDATE or FOR SHARE")
      .withHint("Remove the locking clause; refreshes read the sources without locking rows."));
  }
  return new SelectResult(s, null);
}

class QueryAnalyzer {
  result: Analysis = new Analysis();
  constructor(public queryText: string) {}

  notDifferentiable(construct: string, location: i64): Analysis {
    this.result.notDifferentiable = new EngineError(ErrorCode.UnsupportedConstruct, construct + " is not supported in DIFFERENTIAL mode")
      .withHint(FULL_MODE_HINT).at(characterPosition(this.queryText, location));
    return this.result;
  }

  /** Sorts a binder error into "not differentiable" or "hard error". */
  binderFailed(error: EngineError): Analysis {
    if (error.code == ErrorCode.UnsupportedConstruct || error.code == ErrorCode.QueryTooComplex) this.result.notDifferentiable = error;
    else this.result.error = error;
    return this.result;
  }

  analyze(s: PNode): Analysis {
    const loc = s.int("location");
    if (s.str("op") != "SETOP_NONE" && s.str("op").length > 0) return this.notDifferentiable("UNION, INTERSECT or EXCEPT", locationIn(s.node("rarg"), loc));
    if (s.node("withClause") !== null) return this.notDifferentiable("WITH (a common table expression)", locationIn(s.node("withClause"), loc));
    if (s.list("valuesLists").length > 0) return this.notDifferentiable("VALUES", loc);
    if (s.node("havingClause") !== null) return this.notDifferentiable("HAVING", locationIn(s.node("havingClause"), loc));
    if (s.list("windowClause").length > 0) return this.notDifferentiable("WINDOW", locationIn(nodeList(s, "windowClause")[0], loc));
    if (s.node("limitCount") !== null) return this.notDifferentiable("LIMIT or OFFSET", locationIn(s.node("limitCount"), loc));
    if (s.node("limitOffset") !== null) return this.notDifferentiable("LIMIT or OFFSET", locationIn(s.node("limitOffset"), loc));
    if (s.bool("groupDistinct")) return this.notDifferentiable("GROUP BY DISTINCT", loc);

    const from = nodeList(s, "fromClause");
    if (from.length == 0) return this.notDifferentiable("a query without a FROM clause", loc);
    if (from.length > 1) return this.notDifferentiable("more than one FROM item (a join)", locationIn(from[1], loc));
    const item = from[0];
    if (item === null) return this.notDifferentiable("an empty FROM item", loc);
    if (item.tag == "JoinExpr") return this.notDifferentiable("JOIN", locationIn(item.node("rarg"), loc));
    if (item.tag == "RangeSubselect") return this.notDifferentiable("a subquery in FROM", locationIn(item.node("subquery"), loc));
    if (item.tag == "RangeFunction") return this.notDifferentiable("a function in FROM", loc);
    if (item.tag != "RangeVar") return this.notDifferentiable("FROM item " + item.tag, loc);

    const relLocation = item.int("location");
    const relname = item.str("relname");
    const rel = lookupRelation(item.str("schemaname"), relname);
    if (rel === null) {
      this.result.error = new EngineError(ErrorCode.UndefinedTable, "relation \"" + relname + "\" does not exist")
        .at(characterPosition(this.queryText, relLocation));
      return this.result;
    }
    const source = changetype<RelationInfo>(rel);
    // A stream table is captured like a table: its refreshes' changes reach the buffer through the
    // same triggers, so a downstream stream table is maintained differentially too.
    // Its children's changes would escape the capture triggers, which sit on this table only.
    if (source.hasChildren) return this.notDifferentiable("a table with inheritance children", relLocation);
    if (source.relkind != "r") {
      const what = source.relkind == "v" ? "a view" : source.relkind == "m" ? "a materialized view"
        : source.relkind == "f" ? "a foreign table" : source.relkind == "p" ? "a partitioned table" : "a relation of kind " + source.relkind;
      return this.notDifferentiable(what + " as a source", relLocation);
    }
    let alias = relname;
    const aliasNode = item.node("alias");
    if (aliasNode !== null) {
      alias = aliasNode.str("aliasname");
      if (aliasNode.list("colnames").length > 0) return this.notDifferentiable("column aliases in FROM", relLocation);
    }

    const binder = new ExpressionBinder(this.queryText, source, alias);
    const q = new AnalyzedQuery();
    q.source = source;

    const whereNode = s.node("whereClause");
    if (whereNode !== null) {
      q.where = binder.bind(whereNode, 0, false);
      if (binder.error !== null) return this.binderFailed(changetype<EngineError>(binder.error));
    }

    if (!this.bindTargets(s, q, binder)) return this.binderFailed(changetype<EngineError>(binder.error));

    if (!this.checkOrderBy(s, q, binder)) return this.binderFailed(changetype<EngineError>(binder.error));

    const distinct = nodeList(s, "distinctClause");
    if (distinct.length > 0) {
      if (distinct.length > 1 || distinct[0] !== null) return this.notDifferentiable("DISTINCT ON", locationIn(distinct[0], loc));
      q.distinct = true;
    }
    const groupBy = nodeList(s, "groupClause");
    if (q.distinct && (groupBy.length > 0 || binder.aggregates.length > 0)) {
      return this.notDifferentiable("DISTINCT together with GROUP BY or aggregates", loc);
    }
    for (let i = 0; i < groupBy.length; i++) {
      const key = this.bindGroupKey(groupBy[i], q, binder);
      if (key === null) {
        if (binder.error !== null) return this.binderFailed(changetype<EngineError>(binder.error));
        return this.result;
      }
      q.groupKeys.push(key);
    }
    if (q.distinct) {
      for (let i = 0; i < q.outputs.length; i++) q.groupKeys.push(q.outputs[i].expr);
    }
    q.aggregates = binder.aggregates;
    q.grouped = q.distinct || q.groupKeys.length > 0 || q.aggregates.length > 0;
    if (q.grouped && !q.distinct) {
      for (let i = 0; i < q.outputs.length; i++) {
        if (!coveredByGroups(q.outputs[i].expr, q)) {
          return this.notDifferentiable("output column \"" + q.outputs[i].name + "\" that is neither grouped nor aggregated", loc);
        }
      }
    }
    q.columnsUsed = binder.columnsUsed;
    this.result.query = q;
    return this.result;
  }

  /** Binds the target list, expanding `*`; false on error (recorded in the binder). */
  bindTargets(s: PNode, q: AnalyzedQuery, binder: ExpressionBinder): bool {
    const targets = nodeList(s, "targetList");
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      if (t === null) continue;
      const val = t.node("val");
      if (val !== null && val.tag == "ColumnRef") {
        const parts = nameList(val, "fields");
        if (parts[parts.length - 1] == "*") {
          if (parts.length > 1 && parts[parts.length - 2] != binder.alias) {
            binder.fail(new EngineError(ErrorCode.UndefinedTable, "missing FROM-clause entry for table \"" + parts[parts.length - 2] + "\"")
              .at(characterPosition(this.queryText, val.int("location"))));
            return false;
          }
          for (let c = 0; c < q.source.columns.length; c++) {
            const name = q.source.columns[c].name;
            binder.useColumn(name);
            q.outputs.push(new OutputColumn(name, new ColumnExpr(name)));
          }
          continue;
        }
      }
      const e = binder.bind(val, 0, true);
      if (e === null) return false;
      const name = t.str("name").length > 0 ? t.str("name") : figureColumnName(val);
      q.outputs.push(new OutputColumn(name, e));
    }
    return true;
  }

  /**
   * ORDER BY does not change a stored result and is dropped, but its names must still resolve.
   * Only name errors count: a construct in it that is not differentiable does not matter.
   */
  checkOrderBy(s: PNode, q: AnalyzedQuery, binder: ExpressionBinder): bool {
    const items = nodeList(s, "sortClause");
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === null) continue;
      const checker = new ExpressionBinder(this.queryText, q.source, binder.alias);
      const node = item.node("node");
      if (node !== null && node.tag == "ColumnRef" && nameList(node, "fields").length == 1) {
        const name = nameList(node, "fields")[0];
        let isOutput = false;
        for (let o = 0; o < q.outputs.length; o++) if (q.outputs[o].name == name) isOutput = true;
        if (isOutput) continue;
      }
      if (node !== null && node.tag == "A_Const") continue;
      checker.bind(node, 0, true);
      const error = checker.error;
      if (error !== null && (error.code == ErrorCode.UndefinedColumn || error.code == ErrorCode.UndefinedTable)) {
        binder.fail(error);
        return false;
      }
    }
    return true;
  }

  /** A GROUP BY item: an expression, an output position, or an output column name. */
  bindGroupKey(item: PNode | null, q: AnalyzedQuery, binder: ExpressionBinder): Expr | null {
    if (item === null) return null;
    if (item.tag == "GroupingSet") { this.notDifferentiable("GROUPING SETS, CUBE or ROLLUP", item.int("location")); return null; }
    if (item.tag == "A_Const") {
      const v = item.node("val");
      if (v !== null && v.tag == "Integer") {
        const position = <i32>v.int("ival");
        if (position >= 1 && position <= q.outputs.length) return q.outputs[position - 1].expr;
      }
    }
    if (item.tag == "ColumnRef") {
      const parts = nameList(item, "fields");
      if (parts.length == 1 && q.source.column(parts[0]) === null) {
        for (let i = 0; i < q.outputs.length; i++) if (q.outputs[i].name == parts[0]) return q.outputs[i].expr;
      }
    }
    return binder.bind(item, 0, false);
  }
}

/** The leftmost location in the subtree of `n` (where its text starts), else `fallback`. */
function locationIn(n: PNode | null, fallback: i64): i64 {
  if (n === null) return fallback;
  let best: i64 = -1;
  const stack: PNode[] = [n];
  while (stack.length > 0) {
    const node = stack.pop();
    const own = node.int("location");
    if (own >= 0 && (best < 0 || own < best)) best = own;
    for (let i = 0; i < node.names.length; i++) {
      const v = node.value(node.names[i]);
      if (v === null) continue;
      const child = v.asNode();
      if (child !== null) stack.push(child);
      for (let k = 0; k < v.items.length; k++) {
        const item = v.items[k].asNode();
        if (item !== null) stack.push(item);
      }
    }
  }
  return best >= 0 ? best : fallback;
}

/** Analyzes the SELECT statement `s` of `queryText`. */
export function analyzeSelect(s: PNode, queryText: string): Analysis {
  return new QueryAnalyzer(queryText).analyze(s);
}

/** True when every column `e` reads lies inside a GROUP BY key or an aggregate. */
function coveredByGroups(e: Expr, q: AnalyzedQuery): bool {
  const text = canonicalSql(e);
  for (let i = 0; i < q.groupKeys.length; i++) if (canonicalSql(q.groupKeys[i]) == text) return true;
  if (e.kind == ExprKind.Aggregate) return true;
  if (e.kind == ExprKind.Column) return false;
  const children = childExpressions(e);
  for (let i = 0; i < children.length; i++) if (!coveredByGroups(children[i], q)) return false;
  return true;
}


/** The direct sub-expressions of `e`. */
export function childExpressions(e: Expr): Expr[] {
  const out: Expr[] = [];
  switch (e.kind) {
    case ExprKind.Operator: {
      const o = e as OperatorExpr;
      if (o.left !== null) out.push(changetype<Expr>(o.left));
      out.push(o.right);
      break;
    }
    case ExprKind.Function: return (e as FunctionExpr).args;
    case ExprKind.Bool: return (e as BoolExpr).args;
    case ExprKind.NullTest: out.push((e as NullTestExpr).arg); break;
    case ExprKind.BooleanTest: out.push((e as BooleanTestExpr).arg); break;
    case ExprKind.Case: {
      const c = e as CaseExpr;
      if (c.arg !== null) out.push(changetype<Expr>(c.arg));
      for (let i = 0; i < c.conditions.length; i++) { out.push(c.conditions[i]); out.push(c.results[i]); }
      if (c.otherwise !== null) out.push(changetype<Expr>(c.otherwise));
      break;
    }
    case ExprKind.Cast: out.push((e as CastExpr).arg); break;
    case ExprKind.CallLike: return (e as CallLikeExpr).args;
    case ExprKind.Array: return (e as ArrayExpr).elements;
    case ExprKind.Collate: out.push((e as CollateExpr).arg); break;
    case ExprKind.In: { const i = e as InExpr; out.push(i.arg); for (let k = 0; k < i.items.length; k++) out.push(i.items[k]); break; }
    case ExprKind.Between: { const b = e as BetweenExpr; out.push(b.arg); out.push(b.low); out.push(b.high); break; }
    case ExprKind.Distinct: { const d = e as DistinctExpr; out.push(d.left); out.push(d.right); break; }
    case ExprKind.AnyAll: { const a = e as AnyAllExpr; out.push(a.left); out.push(a.right); break; }
    default: break;
  }
  return out;
}

/** PostgreSQL's FigureColname for the expression forms this version binds. */
export function figureColumnName(n: PNode | null): string {
  if (n === null) return "?column?";
  if (n.tag == "ColumnRef") {
    const parts = nameList(n, "fields");
    return parts[parts.length - 1];
  }
  if (n.tag == "FuncCall") {
    const parts = nameList(n, "funcname");
    return parts[parts.length - 1];
  }
  if (n.tag == "TypeCast") {
    const inner = figureColumnName(n.node("arg"));
    if (inner != "?column?") return inner;
    const t = n.node("typeName");
    if (t !== null) {
      const names = nameList(t, "names");
      if (names.length > 0) return names[names.length - 1];
    }
    return "?column?";
  }
  if (n.tag == "CaseExpr") return "case";
  if (n.tag == "CoalesceExpr") return "coalesce";
  if (n.tag == "MinMaxExpr") return n.str("op") == "IS_GREATEST" ? "greatest" : "least";
  if (n.tag == "A_ArrayExpr") return "array";
  if (n.tag == "A_Expr" && n.str("kind") == "AEXPR_NULLIF") return "nullif";
  if (n.tag == "CollateClause") return figureColumnName(n.node("arg"));
  return "?column?";
}
