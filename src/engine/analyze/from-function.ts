/**
 * @fileoverview A function in FROM: `unnest(t.a) AS u(x)`, `generate_series(1, 3)`,
 * `jsonb_each(t.j)`, `jsonb_to_recordset(t.j) AS r(a int, b text)`.
 *
 * Functions in FROM are LATERAL with or without the key word: a call may read the FROM items
 * before it, and is evaluated for each of their rows. Such a call is a relation of its own (a
 * DerivedOperator with `call`) on the right of the join that brings it in, whose left side holds
 * every item the call reads. Its delta needs no rule of its own: the rows of one call depend only
 * on the left row it is evaluated for, so Δ(L ⋈ f(L)) = ΔL ⋈ f(ΔL), and the same for a LEFT JOIN
 * (operators/join.ts). A call reading no column is a constant relation, like VALUES. A
 * set-returning function in a select list is the same call in FROM after every other item.
 *
 * Its columns are named as PostgreSQL names them: by a column definition list, else by the
 * function's OUT parameters or the attributes of the composite type it returns, else (a scalar
 * result) by the alias, else by the function; WITH ORDINALITY adds `ordinality`; the alias's
 * column names rename them in order.
 */

import { PNode } from "../nodes/parse-node";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { FunctionInfo, lookupResultType } from "./catalog";
import { Scope, FromItem, ColumnBinding, AliasEntry } from "./scope";
import { Operator, OperatorKind, JoinOperator, JoinType, DerivedOperator, FilterOperator, isLateralFunction, scansOf } from "../ir/operator-tree";
import { Expr, ExprKind, ColumnExpr, FunctionExpr, columnRefs, childExpressions } from "../ir/expr";
import { ExpressionBinder } from "./expressions";
import { nodeList, nameList, valuesAsNodes } from "./tree";
import { canonicalSql, renderExpr } from "../sqlgen/render-expression";
import { TypedNullContext } from "./typed-null";
import { QueryAnalyzer } from "./query";

/** Binds the function in FROM `item`; `before`: the FROM items its call may read. Null (reason recorded) when unsupported. */
export function bindFromFunction(a: QueryAnalyzer, item: PNode, loc: i64, before: FromItem[]): FromItem | null {
  const functions = item.list("functions");
  if (item.bool("is_rowsfrom") || functions.length != 1) { a.notDifferentiable("ROWS FROM", loc); return null; }
  const pair = valuesAsNodes(functions[0].items);
  const callNode = pair.length > 0 ? pair[0] : null;
  if (callNode === null || callNode.tag != "FuncCall") { a.notDifferentiable("this function call in FROM", loc); return null; }
  const call = changetype<PNode>(callNode);
  const location = call.int("location");
  const names = nameList(call, "funcname");
  const name = names[names.length - 1];
  const definitions = nodeList(item, "coldeflist");
  const ordinality = item.bool("ordinality");

  // The columns of one call: a column definition list names and types them; else the catalog knows.
  const scope = new Scope(before);
  scope.outer = a.outerScope;
  const binder = new ExpressionBinder(a.queryText, scope, a.fixedPosition, a.functions);
  binder.inFrom = true;
  const bound = binder.bind(call, 0, false);
  if (bound === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
  const e = changetype<Expr>(bound);
  let columns: string[] = [];
  const defined: string[] = [];
  const types: string[] = [];
  if (definitions.length > 0) {
    if (ordinality) { a.notDifferentiable("WITH ORDINALITY together with a column definition list", location); return null; }
    for (let i = 0; i < definitions.length; i++) {
      const def = definitions[i];
      if (def === null) continue;
      const type = binder.typeName(def.node("typeName"), def.int("location"));
      if (type === null) { a.binderFailed(changetype<EngineError>(binder.error)); return null; }
      columns.push(def.str("colname"));
      defined.push(def.str("colname"));
      types.push(type);
    }
  } else {
    const shape = resultColumns(a, binder.fromCandidates, e, name, location);
    if (shape === null) return null;
    columns = changetype<string[]>(shape);
  }
  const aliasNode = item.node("alias");
  const alias = aliasNode !== null ? aliasNode.str("aliasname") : name;
  const colnames = aliasNode !== null ? nameList(aliasNode, "colnames") : new Array<string>();
  // A scalar result is named by the alias (`unnest(a) AS u` has column u), else by the function.
  if (columns.length == 0) columns.push(alias);
  if (ordinality) columns.push("ordinality");
  if (colnames.length > columns.length) {
    a.failed(new EngineError(ErrorCode.SyntaxError, "too many column aliases specified for function " + name).at(a.at(location)));
    return null;
  }
  for (let i = 0; i < colnames.length; i++) columns[i] = colnames[i];

  const refs = columnRefs(e);
  let relation = DerivedOperator.lateralFunction(a.scans.length, e, columns.length, alias, ordinality, defined, types);
  if (refs.length == 0) {
    const list: string[] = [];
    for (let i = 0; i < columns.length; i++) list.push("v." + relation.callColumn(i) + " AS " + relation.columns[i]);
    relation = DerivedOperator.constant(a.scans.length, "SELECT " + list.join(", ") + " FROM " + relation.callFrom(canonicalSql(e), "v"),
      columns.length, alias);
  } else {
    const visible = relsOf(before);
    for (let i = 0; i < refs.length; i++) {
      if (!visible.includes(refs[i].rel)) { a.notDifferentiable("a function in FROM that reads the enclosing query", location); return null; }
    }
  }
  a.scans.push(relation);
  const bindings: ColumnBinding[] = [];
  for (let i = 0; i < columns.length; i++) bindings.push(new ColumnBinding(columns[i], new ColumnExpr(relation.rel, relation.columns[i])));
  return new FromItem(relation, bindings, [new AliasEntry(alias, "", bindings)]);
}

/**
 * A set-returning function in a select list (`SELECT id, unnest(a) FROM t`). PostgreSQL evaluates
 * it for each row and repeats the row once per value, which is the call in FROM after every
 * other item: `SELECT id, u FROM t, LATERAL unnest(a) AS u`. The query's FROM tree gets that join
 * once the select list is bound (QueryAnalyzer.targetFunctions); the value is the function's
 * column. A call written twice is one relation, as PostgreSQL runs equal calls in lockstep.
 */
export function bindTargetFunction(a: QueryAnalyzer, call: FunctionExpr, name: string, candidates: FunctionInfo[], binder: ExpressionBinder,
  location: i64): Expr | null {
  const text = canonicalSql(call);
  for (let i = 0; i < a.targetFunctions.length; i++) {
    const f = a.targetFunctions[i];
    if (canonicalSql(changetype<Expr>(f.call)) == text) return new ColumnExpr(f.rel, f.columns[0]);
  }
  if (a.targetFunctions.length > 0) return binder.unsupported("more than one set-returning function in a select list", location);
  const visible = relsOf(binder.scope.items);
  const refs = columnRefs(call);
  for (let i = 0; i < refs.length; i++) {
    if (!visible.includes(refs[i].rel)) return binder.unsupported("set-returning function " + name + "() reading the enclosing query", location);
  }
  const shape = resultColumns(a, candidates, call, name, location);
  if (shape === null) return binder.fail(changetype<EngineError>(a.result.error !== null ? a.result.error : a.result.notDifferentiable));
  if (changetype<string[]>(shape).length > 1) return binder.unsupported("set-returning function " + name + "() returning rows of several columns, in a select list,", location);
  const f = DerivedOperator.lateralFunction(a.scans.length, call, 1, name, false, [], []);
  a.scans.push(f);
  a.targetFunctions.push(f);
  return new ColumnExpr(f.rel, f.columns[0]);
}

/** The scans under the FROM items `items`. */
function relsOf(items: FromItem[]): i32[] {
  const out: i32[] = [];
  for (let i = 0; i < items.length; i++) {
    const scans = scansOf(items[i].op);
    for (let k = 0; k < scans.length; k++) out.push(scans[k].rel);
  }
  return out;
}

/** Why a select list's set-returning function is refused in a query that groups or has windows (PostgreSQL evaluates it after them). */
export const TARGET_FUNCTION_GROUPED = "a set-returning function in a select list with GROUP BY, aggregates, HAVING, window functions or DISTINCT ON";

/**
 * The result columns of call `call` of `name`: its function's OUT parameters or composite
 * attributes (empty for a scalar result). When the overloads it may mean disagree (unnest of an
 * array returns a scalar, of a tsvector three columns), PostgreSQL resolves the call over typed
 * NULLs and names the type of its result. Null (reason or error recorded) when undecided, or
 * when it returns an undescribed record.
 */
function resultColumns(a: QueryAnalyzer, candidates: FunctionInfo[], call: Expr, name: string, location: i64): string[] | null {
  const nargs = (call as FunctionExpr).args.length;
  let accepting: FunctionInfo[] = [];
  for (let i = 0; i < candidates.length; i++) if (candidates[i].kind == "f" && candidates[i].accepts(nargs)) accepting.push(candidates[i]);
  if (accepting.length == 0) {
    a.failed(new EngineError(ErrorCode.UndefinedFunction, "function " + name + "() with " + nargs.toString() + " arguments does not exist")
      .withHint("No function matches the given name and argument count.").at(a.at(location)));
    return null;
  }
  if (!agree(accepting)) {
    const typed = new TypedNullContext(a.scans);
    const sql = renderExpr(call, typed);
    const answer: string | null = typed.unknown ? null : lookupResultType(sql);
    const matching: FunctionInfo[] = [];
    if (answer !== null) {
      const result = changetype<string>(answer);
      for (let i = 0; i < accepting.length; i++) {
        const f = accepting[i];
        if (result == "record" ? f.outputs.length > 1 : f.outputs.length <= 1 || f.result == result) matching.push(f);
      }
    }
    if (matching.length == 0 || !agree(matching)) {
      a.notDifferentiable("function " + name + "() in FROM, whose overloads return different columns,", location);
      return null;
    }
    accepting = matching;
  }
  if (accepting[0].record) {
    a.failed(new EngineError(ErrorCode.SyntaxError, "a column definition list is required for functions returning \"record\"").at(a.at(location)));
    return null;
  }
  return accepting[0].outputs.slice(0);
}

/** True when the functions all return the same columns. */
function agree(functions: FunctionInfo[]): bool {
  for (let i = 1; i < functions.length; i++) {
    if (functions[i].record != functions[0].record || functions[i].outputs.join(",") != functions[0].outputs.join(",")) return false;
  }
  return true;
}

/**
 * Checks that every function in FROM of the tree `op` that reads other FROM items is the right
 * side of an inner or left join whose left side holds every item it reads; the reason why not, or
 * "".
 */
export function misplacedFunction(op: Operator): string {
  if (isLateralFunction(op)) return "a function in FROM that reads other FROM items, in a join whose left side does not hold them";
  if (op.kind == OperatorKind.Filter) return misplacedFunction((op as FilterOperator).input);
  if (op.kind != OperatorKind.Join) return "";
  const j = op as JoinOperator;
  if (!isLateralFunction(j.right)) {
    const left = misplacedFunction(j.left);
    return left.length > 0 ? left : misplacedFunction(j.right);
  }
  if (j.joinType != JoinType.Inner && j.joinType != JoinType.Left) return "a function in FROM on the right of a RIGHT or FULL join";
  const rels: i32[] = [];
  const scans = scansOf(j.left);
  for (let i = 0; i < scans.length; i++) rels.push(scans[i].rel);
  const refs = columnRefs(changetype<Expr>(changetype<DerivedOperator>(j.right).call));
  for (let i = 0; i < refs.length; i++) {
    if (!rels.includes(refs[i].rel)) return "a function in FROM in a join that reads a FROM item outside the join";
  }
  return misplacedFunction(j.left);
}
