/**
 * @fileoverview Turns expression parse nodes into resolved expressions (ir/expr.ts): column
 * references are bound through the FROM clause's scope (analyze/scope.ts), functions are
 * checked for volatility and aggregates recognised. Anything this version cannot maintain differentially is reported as an
 * UnsupportedConstruct error value naming the construct, with its position.
 */

import { PNode } from "../nodes/parse-node";
import {
  Expr, ConstExpr, OperatorExpr, FunctionExpr, AggregateExpr, AggregateFunc, AggregateCall, SortKey, BoolExpr,
  NullTestExpr, BooleanTestExpr, CaseExpr, CastExpr, CallLikeExpr, ArrayExpr, CollateExpr, InExpr,
  BetweenExpr, DistinctExpr, AnyAllExpr, RowExpr, GroupingExpr, WindowExpr, columnRefs,
} from "../ir/expr";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { lookupFunctions, FunctionInfo } from "./catalog";
import { Scope, Resolution, AliasEntry } from "./scope";
import { nodeList, nameList, characterPosition } from "./tree";
import { quoteIdent, quoteLiteral } from "../sqlgen/quote";
import { canonicalSql } from "../sqlgen/render-expression";
import { valueWithoutFrom } from "./sublink";

/** Deeper expressions are refused with QueryTooComplex before any recursion gets dangerous. */
export const MAX_EXPRESSION_DEPTH: i32 = 400;

/** Hint given with every UnsupportedConstruct error in DIFFERENTIAL mode. */
export const FULL_MODE_HINT = "Use refresh_mode => 'FULL', or 'AUTO' to fall back to FULL refresh automatically.";

const TIME_DEPENDENT_FUNCTIONS = ["now", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "timeofday"];

/**
 * Binds a subquery in an expression (EXISTS, IN, a scalar subquery) for an ExpressionBinder: the
 * query analyzer, which joins the subquery's result to the FROM clause (analyze/sublink.ts).
 */
export abstract class SublinkBinder {
  abstract bindSublink(n: PNode, binder: ExpressionBinder, depth: i32): Expr | null;
  /** A set-returning function in a select list (where `allowSetReturning`): what stands for its value. */
  abstract bindSetReturning(call: FunctionExpr, name: string, candidates: FunctionInfo[], binder: ExpressionBinder, location: i64): Expr | null;
}

/** Binds expressions of one query through its FROM scope; the first error wins and stops the work. */
export class ExpressionBinder {
  error: EngineError | null = null;
  aggregates: AggregateExpr[] = [];
  private aggregateKeys: string[] = [];
  /** Where subqueries go; null where they are not supported (a JOIN condition, VALUES). */
  sublinks: SublinkBinder | null = null;
  /** True while binding a select list, where a set-returning function may stand (see SublinkBinder.bindSetReturning). */
  allowSetReturning: bool = false;
  /** Set while binding the call of a function in FROM, where a set-returning function is a relation (read once, by bindFunction). */
  inFrom: bool = false;
  /** The functions that call may mean (set by bindFunction for analyze/from-function.ts). */
  fromCandidates: FunctionInfo[] = [];
  /** True while binding a select list, where window functions may stand; `windowClause` names the windows of WINDOW. */
  allowWindows: bool = false;
  windowClause: Array<PNode | null> = [];
  /** The window function calls bound. */
  windows: WindowExpr[] = [];
  /**
   * True while binding a top-level conjunct of WHERE, where a NULL result counts as false: an
   * EXISTS or IN there may become an inner join. Cleared below anything but AND.
   */
  positive: bool = false;
  /** How many aggregate calls enclose the expression being bound (their arguments, ORDER BY and FILTER). */
  aggregateDepth: i32 = 0;
  /** How many subqueries without FROM, `(SELECT e)`, enclose the expression being bound. */
  withoutFromDepth: i32 = 0;

  /**
   * `fixedPosition` > 0: every error points there (an expression inside a view points at the
   * view's name). `functions`: what to do with volatile and stable functions, shared by the
   * binders of one query.
   */
  constructor(public query: string, public scope: Scope, public fixedPosition: i32, public functions: FunctionPolicy) {}

  /** The character position in the defining query of parse location `location`. */
  at(location: i64): i32 {
    return this.fixedPosition > 0 ? this.fixedPosition : characterPosition(this.query, location);
  }

  /** Records an error (keeping the first) and returns null for convenient early exits. */
  fail(error: EngineError): Expr | null {
    if (this.error === null) this.error = error;
    return null;
  }

  /** Reports `construct` as not maintainable differentially, at `location`. */
  unsupported(construct: string, location: i64): Expr | null {
    return this.fail(new EngineError(ErrorCode.UnsupportedConstruct, construct + " is not supported in DIFFERENTIAL mode")
      .withHint(FULL_MODE_HINT).at(this.at(location)));
  }

  /** Binds `n`; aggregates are accepted only where `allowAggregates`. Null on error. */
  bind(n: PNode | null, depth: i32, allowAggregates: bool): Expr | null {
    const positive = this.positive;
    if (positive && n !== null && n.tag != "SubLink" && !(n.tag == "BoolExpr" && n.str("boolop") == "AND_EXPR")) this.positive = false;
    const e = this.bindNode(n, depth, allowAggregates);
    this.positive = positive;
    return e;
  }

  private bindNode(n: PNode | null, depth: i32, allowAggregates: bool): Expr | null {
    if (this.error !== null) return null;
    if (n === null) return this.fail(new EngineError(ErrorCode.InternalProtocol, "missing expression in parse tree"));
    if (depth > MAX_EXPRESSION_DEPTH) {
      return this.fail(new EngineError(ErrorCode.QueryTooComplex, "query is too complex")
        .withDetail("An expression is nested more than " + MAX_EXPRESSION_DEPTH.toString() + " levels deep.")
        .withHint("Simplify the defining query.").at(this.at(n.int("location"))));
    }
    const tag = n.tag;
    const d = depth + 1;
    if (tag == "ColumnRef") return this.bindColumn(n);
    if (tag == "A_Const") return this.bindConst(n);
    if (tag == "TypeCast") return this.bindCast(n, d, allowAggregates);
    if (tag == "A_Expr") return this.bindAExpr(n, d, allowAggregates);
    if (tag == "BoolExpr") {
      const args = this.bindAll(nodeList(n, "args"), d, allowAggregates);
      if (args === null) return null;
      const op = n.str("boolop");
      return new BoolExpr(op == "AND_EXPR" ? "AND" : op == "OR_EXPR" ? "OR" : "NOT", args);
    }
    if (tag == "NullTest") {
      const arg = this.bind(n.node("arg"), d, allowAggregates);
      if (arg === null) return null;
      return new NullTestExpr(arg, n.str("nulltesttype") == "IS_NULL");
    }
    if (tag == "BooleanTest") {
      const arg = this.bind(n.node("arg"), d, allowAggregates);
      if (arg === null) return null;
      return new BooleanTestExpr(arg, n.str("booltesttype").replaceAll("_", " "));
    }
    if (tag == "CaseExpr") return this.bindCase(n, d, allowAggregates);
    if (tag == "CoalesceExpr") {
      const args = this.bindAll(nodeList(n, "args"), d, allowAggregates);
      return args === null ? null : new CallLikeExpr("COALESCE", args);
    }
    if (tag == "MinMaxExpr") {
      const args = this.bindAll(nodeList(n, "args"), d, allowAggregates);
      return args === null ? null : new CallLikeExpr(n.str("op") == "IS_GREATEST" ? "GREATEST" : "LEAST", args);
    }
    if (tag == "A_ArrayExpr") {
      const elements = this.bindAll(nodeList(n, "elements"), d, allowAggregates);
      return elements === null ? null : new ArrayExpr(elements);
    }
    if (tag == "CollateClause") {
      const arg = this.bind(n.node("arg"), d, allowAggregates);
      if (arg === null) return null;
      return new CollateExpr(arg, quotedName(nameList(n, "collname")));
    }
    if (tag == "FuncCall") return this.bindFunction(n, d, allowAggregates);
    if (tag == "SubLink") {
      // `(SELECT e)` without FROM is `e`, wherever it stands; an aggregate in e over the
      // enclosing query's columns is that query's, as in PostgreSQL (see bindAggregate). Where
      // this query reads an outer one, the aggregate might belong to that one instead: refused.
      const value = valueWithoutFrom(n);
      if (value !== null) {
        this.withoutFromDepth++;
        const e = this.bind(value, d, allowAggregates && this.scope.outer === null);
        this.withoutFromDepth--;
        return e;
      }
      const sublinks = this.sublinks;
      if (sublinks === null) return this.unsupported("a subquery in this position", n.int("location"));
      // Its result would be joined to the rows below the aggregate, where no delta rule reads it yet.
      if (this.aggregateDepth > 0) return this.unsupported("a subquery inside an aggregate's arguments or FILTER", n.int("location"));
      return sublinks.bindSublink(n, this, d);
    }
    if (tag == "SQLValueFunction") return this.unsupported("a time- or session-dependent value function (CURRENT_DATE, CURRENT_USER, ...)", n.int("location"));
    if (tag == "ParamRef") return this.unsupported("a parameter reference", n.int("location"));
    if (tag == "A_Indirection") return this.unsupported("an array subscript or field selection", n.int("location"));
    if (tag == "RowExpr") {
      const args = this.bindRowArgs(nodeList(n, "args"), d, allowAggregates);
      return args === null ? null : new RowExpr(args);
    }
    if (tag == "GroupingFunc") {
      if (!allowAggregates) return this.unsupported("GROUPING() in this position", n.int("location"));
      const args = this.bindAll(nodeList(n, "args"), d, false);
      return args === null ? null : new GroupingExpr(args);
    }
    return this.unsupported("expression node " + tag, n.int("location"));
  }

  /** Binds every node of `nodes`; null on the first error. */
  bindAll(nodes: Array<PNode | null>, depth: i32, allowAggregates: bool): Expr[] | null {
    const out: Expr[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const e = this.bind(nodes[i], depth, allowAggregates);
      if (e === null) return null;
      out.push(e);
    }
    return out;
  }

  private bindColumn(n: PNode): Expr | null {
    const parts = nameList(n, "fields");
    const location = n.int("location");
    if (parts[parts.length - 1] == "*") {
      if (parts.length == 1) return this.unsupported("a * column reference inside an expression", location);
      return this.wholeRow(parts.slice(0, parts.length - 1), location);
    }
    const resolved = this.scope.resolve(parts);
    const at = this.at(location);
    if (resolved.status == Resolution.MissingTable) {
      return this.fail(new EngineError(ErrorCode.UndefinedTable, "missing FROM-clause entry for table \"" + parts[parts.length - 2] + "\"").at(at));
    }
    if (resolved.status == Resolution.MissingColumn) {
      if (parts.length == 1 && this.scope.hasAlias(parts[0])) return this.wholeRow(parts, location);
      return this.fail(new EngineError(ErrorCode.UndefinedColumn, "column " + (parts.length == 1 ? "\"" + parts[0] + "\"" : parts.join(".")) + " does not exist").at(at));
    }
    if (resolved.status == Resolution.Ambiguous) {
      return this.fail(new EngineError(ErrorCode.AmbiguousColumn, "column reference \"" + parts.join(".") + "\" is ambiguous").at(at));
    }
    if (resolved.padded) return this.unsupported("a computed column of a subquery or view on the nullable side of an outer join", location);
    return resolved.expr;
  }

  /**
   * `t.*` or `t` in an expression: the row of t's columns, of t's row type (a table's or view's;
   * else a record whose fields have t's column names). Where an outer join pads t, PostgreSQL's
   * value is NULL rather than a row of NULLs: the row is taken only where AliasEntry.present is
   * not NULL, and without such a column the reference is refused.
   */
  private wholeRow(qualified: string[], location: i64): Expr | null {
    const found = this.aliasNamed(qualified, location);
    if (found === null) return null;
    const entry = changetype<AliasEntry>(found);
    const args: Expr[] = [];
    const names: string[] = [];
    let padded = entry.nullable;
    for (let i = 0; i < entry.columns.length; i++) {
      args.push(entry.columns[i].expr);
      names.push(entry.columns[i].name);
      if (entry.columns[i].padded) padded = true;
    }
    const row: Expr = entry.rowType.length > 0 ? new CastExpr(new RowExpr(args), entry.rowType) : new RowExpr(args, names);
    if (!padded) return row;
    const present = entry.present;
    if (present === null) {
      return this.unsupported("a whole-row reference to a FROM item an outer join pads with NULLs, without a NOT NULL column or one its join condition compares", location);
    }
    // IS DISTINCT FROM NULL tests the value itself, also a row's (IS NOT NULL would test its fields).
    return new CaseExpr(null, [new DistinctExpr(present, new ConstExpr("NULL"), false)], [row], null);
  }

  /** The range-table alias `qualified` (`t` or `schema.t`), here or in an outer scope; null with an error if there is none. */
  private aliasNamed(qualified: string[], location: i64): AliasEntry | null {
    const name = qualified[qualified.length - 1];
    const found = qualified.length <= 2 ? this.scope.visibleAlias(name, qualified.length == 2 ? qualified[0] : "") : null;
    if (found === null) this.fail(new EngineError(ErrorCode.UndefinedTable, "missing FROM-clause entry for table \"" + name + "\"").at(this.at(location)));
    return found;
  }

  /** The arguments of ROW(...), where `t.*` stands for t's columns. */
  private bindRowArgs(nodes: Array<PNode | null>, depth: i32, allowAggregates: bool): Expr[] | null {
    const out: Expr[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      const parts = n !== null && n.tag == "ColumnRef" ? nameList(n, "fields") : new Array<string>();
      if (parts.length < 2 || parts[parts.length - 1] != "*") {
        const e = this.bind(n, depth, allowAggregates);
        if (e === null) return null;
        out.push(e);
        continue;
      }
      const found = this.aliasNamed(parts.slice(0, parts.length - 1), changetype<PNode>(n).int("location"));
      if (found === null) return null;
      const columns = changetype<AliasEntry>(found).columns;
      for (let c = 0; c < columns.length; c++) {
        if (columns[c].padded) {
          this.unsupported("a computed column of a subquery or view on the nullable side of an outer join", changetype<PNode>(n).int("location"));
          return null;
        }
        out.push(columns[c].expr);
      }
    }
    return out;
  }

  private bindConst(n: PNode): Expr | null {
    if (n.bool("isnull")) return new ConstExpr("NULL");
    const v = n.node("val");
    if (v === null) return new ConstExpr("NULL");
    if (v.tag == "Integer") return new ConstExpr(v.int("ival").toString());
    if (v.tag == "Float") return new ConstExpr(v.str("fval"));
    if (v.tag == "Boolean") return new ConstExpr(v.bool("boolval") ? "true" : "false");
    if (v.tag == "String") return new ConstExpr(quoteLiteral(v.str("sval")));
    if (v.tag == "BitString") {
      const bits = v.str("bsval");
      return new ConstExpr(bits.substring(0, 1).toUpperCase() + quoteLiteral(bits.substring(1)));
    }
    return this.unsupported("constant of kind " + v.tag, n.int("location"));
  }

  private bindCast(n: PNode, depth: i32, allowAggregates: bool): Expr | null {
    const arg = this.bind(n.node("arg"), depth, allowAggregates);
    if (arg === null) return null;
    const typeSql = this.typeName(n.node("typeName"), n.int("location"));
    return typeSql === null ? null : new CastExpr(arg, typeSql);
  }

  /** Renders a TypeName node as SQL; null (with an error) for forms it cannot spell exactly. */
  typeName(t: PNode | null, location: i64): string | null {
    if (t === null) { this.fail(new EngineError(ErrorCode.InternalProtocol, "cast without a type name")); return null; }
    const names = nameList(t, "names");
    if (t.bool("setof") || t.bool("pct_type")) { this.unsupported("this type name form", location); return null; }
    if (names.length > 0 && names[names.length - 1] == "interval" && t.list("typmods").length > 0) {
      const spelled = intervalType(nodeList(t, "typmods"));
      if (spelled === null) this.unsupported("this interval type", location);
      return spelled;
    }
    const parts: string[] = [quotedName(names)];
    const mods = nodeList(t, "typmods");
    if (mods.length > 0) {
      const rendered: string[] = [];
      for (let i = 0; i < mods.length; i++) {
        const m = this.bind(mods[i], 0, false);
        if (m === null) return null;
        rendered.push(canonicalSql(m));
      }
      parts.push("(" + rendered.join(", ") + ")");
    }
    const bounds = t.list("arrayBounds").length;
    for (let i = 0; i < bounds; i++) parts.push("[]");
    return parts.join("");
  }

  private bindAExpr(n: PNode, depth: i32, allowAggregates: bool): Expr | null {
    const kind = n.str("kind");
    const location = n.int("location");
    const op = operatorSql(nameList(n, "name"));
    if (kind == "AEXPR_IN") {
      const left = this.bind(n.node("lexpr"), depth, allowAggregates);
      if (left === null) return null;
      const items = this.bindAll(rightList(n), depth, allowAggregates);
      if (items === null) return null;
      return new InExpr(left, items, op == "<>");
    }
    if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_NOT_BETWEEN" || kind == "AEXPR_BETWEEN_SYM" || kind == "AEXPR_NOT_BETWEEN_SYM") {
      const arg = this.bind(n.node("lexpr"), depth, allowAggregates);
      const bounds = this.bindAll(rightList(n), depth, allowAggregates);
      if (arg === null || bounds === null) return null;
      if (bounds.length != 2) return this.fail(new EngineError(ErrorCode.InternalProtocol, "BETWEEN without two bounds"));
      const keyword = (kind.includes("NOT") ? "NOT BETWEEN" : "BETWEEN") + (kind.endsWith("SYM") ? " SYMMETRIC" : "");
      return new BetweenExpr(arg, keyword, bounds[0], bounds[1]);
    }
    const leftNode = n.node("lexpr");
    let left: Expr | null = null;
    if (leftNode !== null) {
      left = this.bind(leftNode, depth, allowAggregates);
      if (left === null) return null;
    }
    const right = this.bind(n.node("rexpr"), depth, allowAggregates);
    if (right === null) return null;
    if (kind == "AEXPR_OP" || kind == "AEXPR_LIKE" || kind == "AEXPR_ILIKE" || kind == "AEXPR_SIMILAR") {
      return new OperatorExpr(op, left, right);
    }
    if (left === null) return this.fail(new EngineError(ErrorCode.InternalProtocol, kind + " without a left operand"));
    const l = changetype<Expr>(left);
    if (kind == "AEXPR_OP_ANY" || kind == "AEXPR_OP_ALL") return new AnyAllExpr(l, op, right, kind == "AEXPR_OP_ALL");
    if (kind == "AEXPR_DISTINCT" || kind == "AEXPR_NOT_DISTINCT") return new DistinctExpr(l, right, kind == "AEXPR_NOT_DISTINCT");
    if (kind == "AEXPR_NULLIF") return new CallLikeExpr("NULLIF", [l, right]);
    return this.unsupported("operator form " + kind, location);
  }

  private bindCase(n: PNode, depth: i32, allowAggregates: bool): Expr | null {
    const argNode = n.node("arg");
    let arg: Expr | null = null;
    if (argNode !== null) {
      arg = this.bind(argNode, depth, allowAggregates);
      if (arg === null) return null;
    }
    const whens = nodeList(n, "args");
    const conditions: Expr[] = [];
    const results: Expr[] = [];
    for (let i = 0; i < whens.length; i++) {
      const w = whens[i];
      if (w === null) return this.fail(new EngineError(ErrorCode.InternalProtocol, "empty CASE branch"));
      const c = this.bind(w.node("expr"), depth, allowAggregates);
      const r = this.bind(w.node("result"), depth, allowAggregates);
      if (c === null || r === null) return null;
      conditions.push(c);
      results.push(r);
    }
    const defNode = n.node("defresult");
    let otherwise: Expr | null = null;
    if (defNode !== null) {
      otherwise = this.bind(defNode, depth, allowAggregates);
      if (otherwise === null) return null;
    }
    return new CaseExpr(arg, conditions, results, otherwise);
  }

  private bindFunction(n: PNode, depth: i32, allowAggregates: bool): Expr | null {
    const names = nameList(n, "funcname");
    const location = n.int("location");
    const name = names[names.length - 1];
    const schema = names.length > 1 ? names[names.length - 2] : "";
    const candidates = lookupFunctions(schema, name);
    if (n.node("over") !== null) return this.bindWindow(n, name, candidates, depth, allowAggregates);
    let aggregate = false;
    let volatile = false;
    let stable = false;
    for (let i = 0; i < candidates.length; i++) {
      if (candidates[i].kind == "a") aggregate = true;
      if (candidates[i].kind == "w") return this.unsupported("window function " + name + "()", location);
      if (candidates[i].volatility == "v") volatile = true;
      if (candidates[i].volatility == "s") stable = true;
    }
    if (aggregate) return this.bindAggregate(n, name, candidates, depth, allowAggregates);
    // A set-returning function multiplies the row it is evaluated for: in FROM it is a relation,
    // in a select list a relation joined to the rows, anywhere else it is refused.
    const inFrom = this.inFrom;
    this.inFrom = false;
    if (inFrom) this.fromCandidates = candidates;
    let setReturning = false;
    for (let i = 0; i < candidates.length; i++) if (candidates[i].retset) setReturning = true;
    const sublinks = this.sublinks;
    if (setReturning && !inFrom && (!this.allowSetReturning || sublinks === null)) {
      return this.fail(new EngineError(ErrorCode.UnsupportedConstruct, "set-returning function " + name + "() in this position is not supported in DIFFERENTIAL mode")
        .withHint("Call it in FROM instead, as in FROM t, LATERAL " + name + "(t.x) AS f (y); or use refresh_mode => 'FULL'.").at(this.at(location)));
    }
    if (volatile) {
      if (this.functions.volatile == VolatilePolicy.Reject) return this.unsupported("volatile function " + name + "()", location);
      if (this.functions.volatile == VolatilePolicy.Warn) {
        this.functions.warn("volatile function " + name + "() is evaluated again only for the rows a refresh changes, so the stream table can differ from a fresh run of its query");
      }
    } else if (stable && !TIME_DEPENDENT_FUNCTIONS.includes(name)) {
      this.functions.warn("stable function " + name + "() is evaluated again only for the rows a refresh changes: if its result depends on a setting "
        + "(TimeZone, DateStyle, search_path, ...) that changes, rows computed before keep the old result");
    }
    if (TIME_DEPENDENT_FUNCTIONS.includes(name)) return this.unsupported("time-dependent function " + name + "()", location);
    const args = this.bindAll(nodeList(n, "args"), depth, allowAggregates);
    if (args === null) return null;
    const call = new FunctionExpr(quotedName(names), args, n.bool("func_variadic"));
    if (setReturning && !inFrom) return changetype<SublinkBinder>(sublinks).bindSetReturning(call, name, candidates, this, location);
    return call;
  }

  /**
   * `f(args) [FILTER (WHERE ...)] OVER window`: the window is written out, or named in the WINDOW
   * clause (`OVER w`), or a named one extended (`OVER (w ORDER BY ...)`: its partitioning, its
   * ordering unless this one orders, this one's frame).
   */
  private bindWindow(n: PNode, name: string, candidates: FunctionInfo[], depth: i32, allowAggregates: bool): Expr | null {
    const location = n.int("location");
    if (!this.allowWindows) return this.unsupported("window function " + name + "() in this position", location);
    for (let i = 0; i < candidates.length; i++) {
      if (candidates[i].volatility == "v" && this.functions.volatile == VolatilePolicy.Reject) return this.unsupported("volatile function " + name + "()", location);
    }
    const over = changetype<PNode>(n.node("over"));
    let own: PNode = over;
    let base: PNode = over;
    const ref = over.str("refname").length > 0 ? over.str("refname") : over.str("name");
    if (ref.length > 0) {
      let found: PNode | null = null;
      for (let i = 0; i < this.windowClause.length; i++) {
        const w = this.windowClause[i];
        if (w !== null && w.str("name") == ref) found = w;
      }
      if (found === null) return this.unsupported("window \"" + ref + "\", which the WINDOW clause does not define,", location);
      base = changetype<PNode>(found);
      if (over.str("refname").length == 0) own = base;
    }
    const partition = this.bindAll(nodeList(base, "partitionClause"), depth, allowAggregates);
    if (partition === null) return null;
    const orderNodes = nodeList(own, "orderClause").length > 0 ? nodeList(own, "orderClause") : nodeList(base, "orderClause");
    const order = this.bindSortKeys(orderNodes, depth, allowAggregates);
    if (order === null) return null;
    let start: Expr | null = null;
    let end: Expr | null = null;
    if (own.node("startOffset") !== null) { start = this.bind(own.node("startOffset"), depth, false); if (start === null) return null; }
    if (own.node("endOffset") !== null) { end = this.bind(own.node("endOffset"), depth, false); if (end === null) return null; }
    const args = this.bindAll(nodeList(n, "args"), depth, allowAggregates);
    if (args === null) return null;
    let filter: Expr | null = null;
    const filterNode = n.node("agg_filter");
    if (filterNode !== null) {
      filter = this.bind(filterNode, depth, allowAggregates);
      if (filter === null) return null;
    }
    let builtin = true;
    for (let i = 0; i < candidates.length; i++) if (candidates[i].schema != "pg_catalog") builtin = false;
    const call = new AggregateCall(quotedName(nameList(n, "funcname")), builtin, args, n.bool("agg_star"), false, [], false, n.bool("func_variadic"), filter);
    const w = new WindowExpr(call, partition, order, <i32>own.int("frameOptions"), start, end);
    this.windows.push(w);
    return w;
  }

  /** The SortBy items `sorts` (ORDER BY inside an aggregate or a window); null on error. */
  private bindSortKeys(sorts: Array<PNode | null>, depth: i32, allowAggregates: bool): SortKey[] | null {
    const order: SortKey[] = [];
    for (let i = 0; i < sorts.length; i++) {
      const sort = sorts[i];
      if (sort === null) continue;
      const e = this.bind(sort.node("node"), depth, allowAggregates);
      if (e === null) return null;
      order.push(new SortKey(e, sortSuffix(sort)));
    }
    return order;
  }

  /** An aggregate call's arguments, ORDER BY and FILTER; null on error. */
  private bindAggregateParts(n: PNode, depth: i32): AggregateParts | null {
    const args = this.bindAll(nodeList(n, "args"), depth, false);
    if (args === null) return null;
    const order = this.bindSortKeys(nodeList(n, "agg_order"), depth, false);
    if (order === null) return null;
    const parts = new AggregateParts(args, order);
    const filterNode = n.node("agg_filter");
    if (filterNode !== null) {
      parts.filter = this.bind(filterNode, depth, false);
      if (parts.filter === null) return null;
    }
    return parts;
  }

  private bindAggregate(n: PNode, name: string, candidates: FunctionInfo[], depth: i32, allowAggregates: bool): Expr | null {
    const location = n.int("location");
    if (!allowAggregates) return this.unsupported("aggregate " + name + "() in this position", location);
    this.aggregateDepth++;
    const bound = this.bindAggregateParts(n, depth);
    this.aggregateDepth--;
    if (bound === null) return null;
    const args = bound.args;
    const order = bound.order;
    const filter = bound.filter;
    // In `(SELECT count(*))` the aggregate reads no column of the enclosing query: it is the
    // subquery's own, over its one row.
    if (this.withoutFromDepth > 0 && !readsColumns(args, order, filter)) {
      return this.unsupported("aggregate " + name + "() over no column in a subquery without FROM", location);
    }
    const names = nameList(n, "funcname");
    // Only PostgreSQL's own aggregates are maintained from state; a same-named one elsewhere may be the one called.
    let builtin = true;
    for (let i = 0; i < candidates.length; i++) if (candidates[i].kind == "a" && candidates[i].schema != "pg_catalog") builtin = false;
    const call = new AggregateCall(quotedName(names), builtin, args, n.bool("agg_star"), n.bool("agg_distinct"), order,
      n.bool("agg_within_group"), n.bool("func_variadic"), filter);
    let func = AggregateFunc.Rescan;
    const plain = builtin && !call.distinct && order.length == 0 && !call.withinGroup && !call.variadic;
    if (plain && call.star && name == "count") func = AggregateFunc.CountStar;
    else if (plain && args.length == 1) {
      if (name == "count") func = AggregateFunc.Count;
      else if (name == "sum") func = AggregateFunc.Sum;
      else if (name == "avg") func = AggregateFunc.Avg;
      else if (name == "min") func = AggregateFunc.Min;
      else if (name == "max") func = AggregateFunc.Max;
      else if (name == "bool_and" || name == "every") func = AggregateFunc.BoolAnd;
      else if (name == "bool_or") func = AggregateFunc.BoolOr;
    }
    const arg: Expr | null = func != AggregateFunc.Rescan && func != AggregateFunc.CountStar ? args[0] : null;
    const key = canonicalSql(new AggregateExpr(func, arg, 0, call));
    const existing = this.aggregateKeys.indexOf(key);
    if (existing >= 0) return this.aggregates[existing];
    const agg = new AggregateExpr(func, arg, this.aggregates.length, call);
    this.aggregates.push(agg);
    this.aggregateKeys.push(key);
    return agg;
  }
}

/** The words after an ORDER BY expression: direction, USING operator, NULLS placement. */
export function sortSuffix(sort: PNode): string {
  const dir = sort.str("sortby_dir");
  let out = dir == "SORTBY_ASC" ? " ASC" : dir == "SORTBY_DESC" ? " DESC" : "";
  if (dir == "SORTBY_USING") out = " USING " + operatorSql(nameList(sort, "useOp"));
  const nulls = sort.str("sortby_nulls");
  if (nulls == "SORTBY_NULLS_FIRST") out += " NULLS FIRST";
  else if (nulls == "SORTBY_NULLS_LAST") out += " NULLS LAST";
  return out;
}

/** The right operand of IN / BETWEEN: a list (outfuncs) or a List node (libpg-query). */
function rightList(n: PNode): Array<PNode | null> {
  const r = n.node("rexpr");
  if (r !== null && r.tag == "List") return nodeList(r, "items");
  return nodeList(n, "rexpr");
}

/** `name` or `"schema"."name"`, each part quoted. */
export function quotedName(parts: string[]): string {
  const quoted: string[] = [];
  for (let i = 0; i < parts.length; i++) quoted.push(quoteIdent(parts[i]));
  return quoted.join(".");
}

/** An operator name as SQL: bare (`+`) or qualified (`OPERATOR("pg_catalog".+)`). */
function operatorSql(parts: string[]): string {
  if (parts.length == 1) return parts[0];
  const schema: string[] = [];
  for (let i = 0; i < parts.length - 1; i++) schema.push(quoteIdent(parts[i]));
  return "OPERATOR(" + schema.join(".") + "." + parts[parts.length - 1] + ")";
}

/** The field ranges of an interval type as PostgreSQL encodes them in its first typmod (INTERVAL_MASK in datetime.h). */
const INTERVAL_RANGES: i32[] = [4, 2, 8, 1024, 2048, 4096, 6, 1032, 3080, 7176, 3072, 7168, 6144];
const INTERVAL_RANGE_NAMES: string[] = ["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "YEAR TO MONTH", "DAY TO HOUR",
  "DAY TO MINUTE", "DAY TO SECOND", "HOUR TO MINUTE", "HOUR TO SECOND", "MINUTE TO SECOND"];
const INTERVAL_FULL_RANGE: i32 = 0x7FFF;

/**
 * `interval '3' month`, `interval(3)`, `interval day to second(2)`: the type spelled from the
 * parser's typmods (the range mask, then the seconds' precision if any); null for another form.
 */
function intervalType(mods: Array<PNode | null>): string | null {
  const values: i32[] = [];
  for (let i = 0; i < mods.length; i++) {
    const m = mods[i];
    if (m === null || m.tag != "A_Const" || mods.length > 2) return null;
    const v = m.node("val");
    if (v === null || v.tag != "Integer") return null;
    values.push(<i32>v.int("ival"));
  }
  const precision = values.length == 2 ? "(" + values[1].toString() + ")" : "";
  if (values[0] == INTERVAL_FULL_RANGE) return "interval" + precision;
  const at = INTERVAL_RANGES.indexOf(values[0]);
  return at < 0 ? null : "interval " + INTERVAL_RANGE_NAMES[at] + precision;
}

/** pg_trickle.volatile_function_policy: what a differentially maintained query may do with a volatile function. */
export enum VolatilePolicy { Reject, Warn, Allow }

/** The policy for volatile functions of one query, and the warnings its functions raise (each once). */
export class FunctionPolicy {
  warnings: string[] = [];
  constructor(public volatile: VolatilePolicy) {}

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }
}

/** The policy named `name` ('reject', 'warn' or 'allow'; anything else rejects). */
export function volatilePolicy(name: string): VolatilePolicy {
  return name == "allow" ? VolatilePolicy.Allow : name == "warn" ? VolatilePolicy.Warn : VolatilePolicy.Reject;
}

/** What an aggregate call binds besides its name. */
class AggregateParts {
  filter: Expr | null = null;
  constructor(public args: Expr[], public order: SortKey[]) {}
}

/** True when an aggregate's arguments, ORDER BY or FILTER read a column. */
function readsColumns(args: Expr[], order: SortKey[], filter: Expr | null): bool {
  const all = args.slice(0);
  for (let i = 0; i < order.length; i++) all.push(order[i].expr);
  if (filter !== null) all.push(filter);
  for (let i = 0; i < all.length; i++) if (columnRefs(all[i]).length > 0) return true;
  return false;
}
