/**
 * @fileoverview UNION ALL, UNION, INTERSECT and EXCEPT in a defining query (called by
 * analyze/query.ts): the branches are a Derived relation with a branch per query
 * (operators/derived.ts), with DISTINCT over it for UNION and a count per branch for INTERSECT
 * and EXCEPT (for INTERSECT ALL and EXCEPT ALL, a derived relation of the rows with their number
 * of copies, and the result repeats each row that often).
 */

import { PNode } from "../nodes/parse-node";
import { Expr, ColumnExpr, AggregateExpr, AggregateCall, AggregateFunc, ConstExpr, OperatorExpr, BoolExpr, CaseExpr } from "../ir/expr";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { DerivedOperator } from "../ir/operator-tree";
import { locationIn, isConstant } from "./tree";
import { constantQuery } from "./constant";
import { QueryAnalyzer } from "./query";
import { AnalyzedQuery, OutputColumn } from "./analyzed-query";

/**
 * UNION ALL, UNION, INTERSECT and EXCEPT: the branches' rows concatenated in a DerivedOperator
 * (nested UNION ALLs flattened into one), DISTINCT over them for UNION, a count per branch for
 * INTERSECT and EXCEPT. Each branch is a query of its own (a set operation itself, when
 * parenthesized); their columns are named as the first branch's.
 */
export function bindSetOperation(a: QueryAnalyzer, s: PNode, loc: i64, where: string): AnalyzedQuery | null {
  const op = s.str("op");
  if (!a.checkPlainSelect(s, loc, where)) return null;
  const parts: PNode[] = [];
  if (op == "SETOP_UNION") {
    collectUnionAll(changetype<PNode>(s.node("larg")), parts);
    collectUnionAll(changetype<PNode>(s.node("rarg")), parts);
  } else {
    parts.push(changetype<PNode>(s.node("larg")));
    parts.push(changetype<PNode>(s.node("rarg")));
  }
  const branches: AnalyzedQuery[] = [];
  for (let i = 0; i < parts.length; i++) {
    const at = locationIn(parts[i], loc);
    const branch = isConstant(parts[i]) ? constantQuery(a, parts[i], "values", at) : a.bindQuery(parts[i], at, where);
    if (branch === null) return null;
    const b = changetype<AnalyzedQuery>(branch);
    if (b.groupingSets !== null) { a.notDifferentiable("GROUPING SETS, ROLLUP or CUBE in a branch of UNION", locationIn(parts[i], loc)); return null; }
    if (branches.length > 0 && b.outputs.length != branches[0].outputs.length) {
      const name = op == "SETOP_UNION" ? "UNION" : op == "SETOP_INTERSECT" ? "INTERSECT" : "EXCEPT";
      a.failed(new EngineError(ErrorCode.SyntaxError, "each " + name + " query must have the same number of columns").at(a.at(locationIn(parts[i], loc))));
      return null;
    }
    branches.push(b);
  }
  const width = branches[0].outputs.length;
  // INTERSECT and EXCEPT: each branch's rows tagged with its number (an extra column).
  if (op != "SETOP_UNION") {
    for (let i = 0; i < branches.length; i++) branches[i].outputs.push(new OutputColumn("__pgt_branch", new ConstExpr((i + 1).toString())));
  }
  const union = new DerivedOperator(a.scans.length, branches, "union");
  a.scans.push(union);
  const q = new AnalyzedQuery();
  q.from = union;
  for (let i = 0; i < width; i++) q.outputs.push(new OutputColumn(branches[0].outputs[i].name, new ColumnExpr(union.rel, union.columns[i])));
  q.scans = a.scans;
  if (op == "SETOP_UNION" && s.bool("all")) return q;
  q.distinct = op == "SETOP_UNION";
  q.grouped = true;
  for (let i = 0; i < q.outputs.length; i++) q.groupKeys.push(q.outputs[i].expr);
  if (op == "SETOP_UNION") return q;
  // A row is in A INTERSECT B when both branches have it, in A EXCEPT B when only A has it: a
  // grouping by every column with a count per branch (maintained like any aggregate) and HAVING.
  const tag = new ColumnExpr(union.rel, union.columns[width]);
  const counts: Expr[] = [];
  for (let b = 0; b < 2; b++) {
    const filter = new OperatorExpr("=", tag, new ConstExpr((b + 1).toString()));
    const count = new AggregateExpr(AggregateFunc.CountStar, null, b, new AggregateCall("count", true, [], true, false, [], false, false, filter));
    q.aggregates.push(count);
    counts.push(count);
  }
  const zero = new ConstExpr("0");
  if (!s.bool("all")) {
    q.having = new BoolExpr("AND", [new OperatorExpr(">", counts[0], zero), new OperatorExpr(op == "SETOP_INTERSECT" ? ">" : "=", counts[1], zero)]);
    return q;
  }
  // INTERSECT ALL keeps min(c₁, c₂) copies of a row, EXCEPT ALL max(c₁ − c₂, 0): those groups with
  // their number of copies are a derived relation, and the result repeats each row that often.
  const copies = op == "SETOP_INTERSECT"
    ? new CaseExpr(null, [new OperatorExpr("<", counts[0], counts[1])], [counts[0]], counts[1])
    : new OperatorExpr("-", counts[0], counts[1]);
  q.outputs.push(new OutputColumn("n", copies));
  q.having = new OperatorExpr(">", copies, zero);
  const groups = a.derive(q, "copies");
  const out = new AnalyzedQuery();
  out.from = groups;
  for (let i = 0; i < width; i++) out.outputs.push(new OutputColumn(q.outputs[i].name, new ColumnExpr(groups.rel, groups.columns[i])));
  out.copies = new ColumnExpr(groups.rel, groups.columns[width]);
  out.scans = a.scans;
  return out;
}

/** The branches of a chain of UNION ALL (a parenthesized one with ORDER BY or LIMIT is one branch). */
function collectUnionAll(s: PNode, out: PNode[]): void {
  if (s.str("op") == "SETOP_UNION" && s.bool("all") && s.node("withClause") === null && s.node("limitCount") === null
    && s.node("limitOffset") === null && s.list("sortClause").length == 0) {
    collectUnionAll(changetype<PNode>(s.node("larg")), out);
    collectUnionAll(changetype<PNode>(s.node("rarg")), out);
  } else out.push(s);
}
