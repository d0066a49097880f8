/**
 * @fileoverview Analysis of a defining query: checks it is one SELECT, resolves its FROM clause
 * (tables, joins, flattened subqueries, LATERAL, views, WITH) and expressions, and decides whether
 * it can be maintained differentially. The result is either an AnalyzedQuery
 * (analyze/analyzed-query.ts) or the reason it is not differentiable (an UnsupportedConstruct
 * error value), which AUTO mode turns into FULL refresh and DIFFERENTIAL mode into an ERROR.
 * Set operations (analyze/set-operations.ts), window functions and DISTINCT ON
 * (analyze/windows.ts), subqueries in expressions (analyze/sublink.ts), LATERAL subqueries
 * (analyze/lateral.ts), constant relations (analyze/constant.ts), functions in FROM
 * (analyze/from-function.ts), LIMIT (analyze/limits.ts) and WITH RECURSIVE
 * (analyze/recursive.ts) have files of their own.
 */

import { PNode } from "../nodes/parse-node";
import {
  Expr, ExprKind, ColumnExpr, ConstExpr, OperatorExpr, BoolExpr, CallLikeExpr,
  WindowExpr, FunctionExpr, columnRefs, childExpressions,
} from "../ir/expr";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { RelationInfo, FunctionInfo, lookupRelation, lookupViewQuery } from "./catalog";
import { readParseTree } from "../nodes/read-tree";
import { Json } from "../util/json";
import { Scope, FromItem, ColumnBinding, AliasEntry, notePadding } from "./scope";
import { Operator, ScanOperator, FilterOperator, JoinOperator, JoinType, DerivedOperator, isDerived, scansOf } from "../ir/operator-tree";
import { ExpressionBinder, SublinkBinder, FULL_MODE_HINT, FunctionPolicy, VolatilePolicy } from "./expressions";
import { bindSubqueryExpression, groupBySubquery, joinAboveGroups, Attachment } from "./sublink";
import { windowed, bindDistinctOn } from "./windows";
import { bindSetOperation } from "./set-operations";
import { AnalyzedQuery, Analysis, OutputColumn, GroupColumns, groupOutputs, collectQueryExprs } from "./analyzed-query";
import { nodeList, nameList, characterPosition, locationIn, figureColumnName, hasRecursiveWith, isOneRow, isConstant, isSetOperation } from "./tree";
import { canonicalSql } from "../sqlgen/render-expression";
import { qualifiedName } from "../sqlgen/quote";
import { hasLimit, limitNode, topKReason } from "./limits";
import { analyzeRecursive } from "./recursive";
import { prepareInheritance } from "./inheritance";
import { orderSensitiveAggregate, rescanRoundingAggregates } from "./order-sensitive";
import { bindFromFunction, bindTargetFunction, misplacedFunction, TARGET_FUNCTION_GROUPED } from "./from-function";
import { bindLateral } from "./lateral";
import { bindGroupBy } from "./group-by";
import { bindConstant } from "./constant";

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

/** A common table expression: its name, query, column names and where it is defined. */
class CteEntry {
  constructor(public name: string, public query: PNode, public colnames: string[], public location: i64) {}
}

export class QueryAnalyzer extends SublinkBinder {
  result: Analysis = new Analysis();
  /** Every scan so far, across flattened subqueries: a scan's `rel` is its index here. */
  scans: ScanOperator[] = [];
  /** The views the query reads (inlined; recorded as dependencies). */
  views: RelationInfo[] = [];
  /** The common table expressions visible where analysis is, innermost last. */
  ctes: CteEntry[] = [];
  /** > 0 while analyzing a view's query: every error points at the view's name in the defining query. */
  fixedPosition: i32 = 0;
  /** The volatile-function policy, and the warnings the query's functions raise. */
  functions: FunctionPolicy;
  /** The subqueries in expressions of the SELECT being bound, joined to its FROM clause when it is bound. */
  pending: Attachment[] = [];
  /** The set-returning functions of the select list being bound, joined to its rows once it is bound (see bindTargetFunction). */
  targetFunctions: DerivedOperator[] = [];
  /** The scope around a subquery in an expression being bound (null outside one). */
  outerScope: Scope | null = null;
  /** The scans of tables an outer join may pad with NULLs. */
  nullableRels: i32[] = [];
  /** The first scan number of the subquery bindCorrelated bound last. */
  firstRel: i32 = 0;
  /** The defining query when it is a TopK query (ORDER BY ... LIMIT): its LIMIT is allowed. */
  limited: PNode | null = null;
  /** pg_trickle.ivm_topk_max_limit. */
  maxLimit: i64 = 1000;
  /** Subqueries whose LIMIT drops no row that matters (EXISTS (... LIMIT 1)): see limitKeepsOne. */
  harmlessLimits: PNode[] = [];
  constructor(public queryText: string, public maxGroupingSets: i32, volatile: VolatilePolicy) {
    super();
    this.functions = new FunctionPolicy(volatile);
  }

  /** A subquery in an expression: analyze/sublink.ts. */
  bindSublink(n: PNode, binder: ExpressionBinder, depth: i32): Expr | null {
    return bindSubqueryExpression(this, n, binder, depth);
  }

  /** A set-returning function in a select list: analyze/from-function.ts. */
  bindSetReturning(call: FunctionExpr, name: string, candidates: FunctionInfo[], binder: ExpressionBinder, location: i64): Expr | null {
    return bindTargetFunction(this, call, name, candidates, binder, location);
  }

  /** The character position in the defining query of parse location `location`. */
  at(location: i64): i32 {
    return this.fixedPosition > 0 ? this.fixedPosition : characterPosition(this.queryText, location);
  }

  notDifferentiable(construct: string, location: i64): Analysis {
    if (this.result.notDifferentiable === null && this.result.error === null) {
      this.result.notDifferentiable = new EngineError(ErrorCode.UnsupportedConstruct, construct + " is not supported in DIFFERENTIAL mode")
        .withHint(FULL_MODE_HINT).at(this.at(location));
    }
    return this.result;
  }

  /** Records that the query's rows depend on which rows are read first, as clause `why` says (the first such): it is recomputed. */
  recomputeFor(why: string): void {
    if (this.result.recomputeReason.length == 0) this.result.recomputeReason = why;
  }

  /** Records a hard error (no refresh mode gets past it). */
  failed(error: EngineError): Analysis {
    if (this.result.error === null) this.result.error = error;
    return this.result;
  }

  /** Sorts a binder error into "not differentiable" or "hard error". */
  binderFailed(error: EngineError): Analysis {
    if (error.code == ErrorCode.UnsupportedConstruct || error.code == ErrorCode.QueryTooComplex) {
      if (this.result.notDifferentiable === null) this.result.notDifferentiable = error;
    } else this.failed(error);
    return this.result;
  }

  /** True when analysis has already stopped. */
  get stopped(): bool { return this.result.error !== null || this.result.notDifferentiable !== null; }

  analyze(s: PNode): Analysis {
    // A recursive CTE anywhere makes the whole query recomputed (analyze/recursive.ts).
    if (hasRecursiveWith(s)) return analyzeRecursive(this, s);
    if (hasLimit(s)) {
      // TopK: the query without its LIMIT and OFFSET must be maintainable; its top rows are recomputed.
      const reason = topKReason(s, this.maxLimit);
      // Past the offset every row is kept: no top rows to recompute, the whole query is.
      if (reason == "OFFSET without LIMIT") this.recomputeFor("OFFSET without LIMIT keeps rows by their position");
      else if (reason.length > 0) return this.notDifferentiable(reason, locationIn(limitNode(s), 0));
      else this.result.topK = true;
      this.limited = s;
    }
    const q = this.bindQuery(s, s.int("location"), "");
    if (q === null) return this.result;
    if (!readsSource(this.scans)) return this.notDifferentiable("a query that reads no table (only VALUES or SELECT without FROM)", s.int("location"));
    q.views = this.views;
    recordColumnsUsed(q);
    this.result.query = q;
    rescanRoundingAggregates(q);
    const sensitive = orderSensitiveAggregate(q);
    if (sensitive.length > 0) this.recomputeFor(sensitive + " inside a subquery or window depends on the order PostgreSQL reads rows in");
    const why = this.result.recomputeReason;
    if (why.length > 0) this.functions.warn(why + ": a refresh with changes runs the whole query and writes only the rows that differ");
    return this.result;
  }

  /**
   * Binds one SELECT (the defining query, or a subquery in FROM that groups, `where` naming the
   * place) into an AnalyzedQuery over the query's scans; null when it cannot (reason recorded).
   */
  bindQuery(s: PNode, loc: i64, where: string): AnalyzedQuery | null {
    const outer = this.ctes;
    const pending = this.pending;
    const targetFunctions = this.targetFunctions;
    this.pending = [];
    this.targetFunctions = [];
    let q: AnalyzedQuery | null = null;
    if (this.defineCtes(s, loc, where)) q = isSetOperation(s) ? bindSetOperation(this, s, loc, where) : this.bindSelect(s, loc, where);
    this.ctes = outer;
    this.pending = pending;
    this.targetFunctions = targetFunctions;
    return q;
  }

  /**
   * Makes the common table expressions of `s`'s WITH clause visible to its FROM clauses; false
   * (reason recorded) for WITH RECURSIVE or a data-modifying one. A CTE is inlined where it is
   * referenced, as a view is: the query is maintained as if its text stood there.
   */
  defineCtes(s: PNode, loc: i64, where: string): bool {
    const withClause = s.node("withClause");
    if (withClause === null) return true;
    if (withClause.bool("recursive")) { this.notDifferentiable("WITH RECURSIVE" + where, locationIn(withClause, loc)); return false; }
    const defined = this.ctes.slice(0);
    const list = nodeList(withClause, "ctes");
    for (let i = 0; i < list.length; i++) {
      const cte = list[i];
      if (cte === null) continue;
      const query = cte.node("ctequery");
      if (query === null || query.tag != "SelectStmt") {
        this.notDifferentiable("a data-modifying statement in WITH" + where, locationIn(cte, loc));
        return false;
      }
      defined.push(new CteEntry(cte.str("ctename"), changetype<PNode>(query), nameList(cte, "aliascolnames"), cte.int("location")));
    }
    this.ctes = defined;
    return true;
  }

  /** A reference to CTE `index` of the visible ones: its query, bound as a subquery in FROM that sees only the CTEs defined before it. */
  bindCte(index: i32, item: PNode, nullable: bool): FromItem | null {
    const cte = this.ctes[index];
    const aliasNode = item.node("alias");
    const colnames = cte.colnames.slice(0);
    if (aliasNode !== null) {
      const given = nameList(aliasNode, "colnames");
      for (let i = 0; i < given.length; i++) if (i < colnames.length) colnames[i] = given[i]; else colnames.push(given[i]);
    }
    const visible = this.ctes;
    this.ctes = visible.slice(0, index);
    const out = this.flatten(cte.query, aliasNode !== null ? aliasNode.str("aliasname") : cte.name, "", colnames, nullable, cte.location);
    this.ctes = visible;
    return out;
  }

  /** A plain SELECT (no set operation) of bindQuery. */
  bindSelect(s: PNode, loc: i64, where: string): AnalyzedQuery | null {
    if (s.list("valuesLists").length > 0) { this.notDifferentiable("VALUES" + where, loc); return null; }
    if (!this.checkPlainSelect(s, loc, where, true)) return null;
    if (s.bool("groupDistinct")) { this.notDifferentiable("GROUP BY DISTINCT" + where, loc); return null; }

    const from = nodeList(s, "fromClause");
    if (from.length == 0) { this.notDifferentiable((where.length > 0 ? "a subquery" : "a query") + " without a FROM clause", loc); return null; }
    const scope = this.bindFromList(from, loc);
    if (scope === null) return null;
    changetype<Scope>(scope).outer = this.outerScope;
    const binder = new ExpressionBinder(this.queryText, changetype<Scope>(scope), this.fixedPosition, this.functions);
    binder.sublinks = this;
    const q = new AnalyzedQuery();
    q.from = this.crossJoin(changetype<Scope>(scope).items);
    const misplaced = misplacedFunction(changetype<Operator>(q.from));
    if (misplaced.length > 0) { this.notDifferentiable(misplaced, loc); return null; }

    const whereNode = s.node("whereClause");
    if (whereNode !== null) {
      binder.positive = true;
      q.where = binder.bind(whereNode, 0, false);
      binder.positive = false;
      if (binder.error !== null) { this.binderFailed(changetype<EngineError>(binder.error)); return null; }
    }
    const inWhere = this.pending.length;

    binder.allowWindows = true;
    binder.allowSetReturning = true;
    binder.windowClause = nodeList(s, "windowClause");
    const outputs = this.bindTargets(s, binder, true);
    binder.allowWindows = false;
    binder.allowSetReturning = false;
    if (outputs === null) { this.binderFailed(changetype<EngineError>(binder.error)); return null; }
    q.outputs = outputs;

    if (!this.checkOrderBy(s, q, binder)) { this.binderFailed(changetype<EngineError>(binder.error)); return null; }

    const distinct = nodeList(s, "distinctClause");
    let distinctOn: WindowExpr | null = null;
    if (distinct.length > 0) {
      if (distinct.length > 1 || distinct[0] !== null) {
        distinctOn = bindDistinctOn(this, s, q, binder, distinct, where, loc);
        if (distinctOn === null) return null;
      } else q.distinct = true;
    }
    const groupBy = nodeList(s, "groupClause");
    // DISTINCT over groups: at most one row without GROUP BY (nothing to do), else the distinct
    // rows of the groups as a Derived relation (distinctOver).
    let distinctGroups = false;
    if (q.distinct && (groupBy.length > 0 || binder.aggregates.length > 0)) {
      q.distinct = false;
      distinctGroups = groupBy.length > 0;
    }
    if (!bindGroupBy(this, groupBy, q, binder, loc)) {
      if (binder.error !== null) this.binderFailed(changetype<EngineError>(binder.error));
      return null;
    }
    if (q.distinct) {
      for (let i = 0; i < q.outputs.length; i++) q.groupKeys.push(q.outputs[i].expr);
    }
    const havingNode = s.node("havingClause");
    if (havingNode !== null) {
      if (q.distinct) { this.notDifferentiable("DISTINCT together with HAVING" + where, loc); return null; }
      q.having = binder.bind(havingNode, 0, true);
      if (q.having === null) { this.binderFailed(changetype<EngineError>(binder.error)); return null; }
    }
    q.aggregates = binder.aggregates;
    q.grouped = q.distinct || q.groupKeys.length > 0 || q.aggregates.length > 0 || q.having !== null;
    // Uncorrelated scalar subqueries (one row each) in a grouped query's select list or HAVING:
    // joined above the groups (see joinAboveGroups in sublink.ts), not to every row below them.
    const plain = q.groupingSets === null && binder.windows.length == 0 && distinctOn === null;
    const oneRow: DerivedOperator[] = [];
    for (let i = 0; i < this.pending.length; i++) {
      const a = this.pending[i];
      const grouping = i >= inWhere && q.grouped && !q.distinct;
      if (grouping) groupBySubquery(q, a.derived.rel);
      if (grouping && plain && a.joinType == JoinType.Inner && a.condition === null) oneRow.push(a.derived);
      else q.from = new JoinOperator(a.joinType, changetype<Operator>(q.from), a.derived, a.condition);
    }
    // PostgreSQL evaluates a select list's set-returning function after grouping and windows, before
    // DISTINCT: over plain groups it is called for each group (functionOverGroups).
    let overGroups: DerivedOperator | null = null;
    if (this.targetFunctions.length > 0) {
      const f = this.targetFunctions[0];
      if (q.grouped && !q.distinct && plain && !distinctGroups && oneRow.length == 0) overGroups = f;
      else if ((q.grouped && !q.distinct) || binder.windows.length > 0 || distinctOn !== null) {
        this.notDifferentiable(TARGET_FUNCTION_GROUPED + where, loc);
        return null;
      } else q.from = new JoinOperator(JoinType.Inner, changetype<Operator>(q.from), f, null);
    }
    if (q.grouped && !q.distinct) {
      const called = overGroups !== null ? new ColumnExpr(overGroups.rel, overGroups.columns[0]) : null;
      if (overGroups !== null && !coveredByGroups(changetype<Expr>(overGroups.call), q)) {
        this.notDifferentiable("a set-returning function whose arguments are neither grouped nor aggregated" + where, loc);
        return null;
      }
      for (let i = 0; i < q.outputs.length; i++) {
        if (!coveredByGroups(q.outputs[i].expr, q, called)) {
          this.notDifferentiable("output column \"" + q.outputs[i].name + "\" that is neither grouped nor aggregated" + where, loc);
          return null;
        }
      }
      if (q.having !== null && !coveredByGroups(changetype<Expr>(q.having), q)) {
        this.notDifferentiable("a HAVING condition on a column that is neither grouped nor aggregated" + where, locationIn(havingNode, loc));
        return null;
      }
    }
    q.scans = this.scans;
    if (overGroups !== null) return this.functionOverGroups(q, overGroups);
    if (distinctGroups) {
      if (q.groupingSets !== null || binder.windows.length > 0) {
        this.notDifferentiable("DISTINCT together with " + (q.groupingSets !== null ? "GROUPING SETS" : "window functions") + where, loc);
        return null;
      }
      return this.distinctOver(oneRow.length > 0 ? joinAboveGroups(this, q, oneRow) : q);
    }
    if (oneRow.length > 0) return joinAboveGroups(this, q, oneRow);
    if (distinctOn !== null) {
      if (q.grouped || binder.windows.length > 0) { this.notDifferentiable("DISTINCT ON together with GROUP BY, aggregates or window functions" + where, loc); return null; }
      // The first row of each DISTINCT ON group in ORDER BY order: row_number() = 1.
      q.outputs.push(new OutputColumn("__pgt_rn", changetype<WindowExpr>(distinctOn)));
      const ranked = windowed(this, q, [changetype<WindowExpr>(distinctOn)], where, loc);
      if (ranked === null) return null;
      const r = changetype<AnalyzedQuery>(ranked);
      r.where = new OperatorExpr("=", r.outputs.pop().expr, new ConstExpr("1"));
      return r;
    }
    return binder.windows.length > 0 ? windowed(this, q, binder.windows, where, loc) : q;
  }

  /**
   * Refuses a WINDOW clause (unless `windows`), which no SELECT (or set operation) this version
   * maintains may contain; `where` names the place for a subquery in FROM ("" at the top). False
   * (with the reason recorded) when `s` has one. A LIMIT or OFFSET below the top that drops rows
   * keeps whichever rows come first: the query is bound without it and recomputed.
   */
  checkPlainSelect(s: PNode, loc: i64, where: string, windows: bool = false): bool {
    if (!windows && s.list("windowClause").length > 0) { this.notDifferentiable("WINDOW" + where, locationIn(nodeList(s, "windowClause")[0], loc)); return false; }
    if (s != this.limited && !this.harmlessLimits.includes(s) && hasLimit(s)) this.recomputeFor("LIMIT or OFFSET" + where + " keeps rows by their position");
    return true;
  }

  /** Binds the FROM list into a scope; null (with the reason recorded) when it cannot. */
  bindFromList(from: Array<PNode | null>, loc: i64): Scope | null {
    const items: FromItem[] = [];
    for (let i = 0; i < from.length; i++) {
      const item = this.bindFromItem(from[i], false, loc, items);
      if (item === null) return null;
      items.push(item);
    }
    const seen: string[] = [];
    for (let i = 0; i < items.length; i++) {
      for (let a = 0; a < items[i].aliases.length; a++) {
        const name = items[i].aliases[a].name;
        if (seen.includes(name)) {
          this.failed(new EngineError(ErrorCode.DuplicateAlias, "table name \"" + name + "\" specified more than once")
            .withHint("Give each occurrence its own alias."));
          return null;
        }
        seen.push(name);
      }
    }
    return new Scope(items);
  }

  /** A comma-separated FROM list is a chain of cross joins (the WHERE clause filters it). */
  crossJoin(items: FromItem[]): Operator {
    let op = items[0].op;
    for (let i = 1; i < items.length; i++) {
      if (items[i].columnsOnly) continue;
      op = new JoinOperator(items[i].alwaysOne ? JoinType.Left : JoinType.Inner, op, items[i].op, items[i].lateral);
    }
    return op;
  }

  /**
   * One FROM item; `nullable` when an outer join may pad it with NULLs; `before`: the items a
   * LATERAL one may read. Null (reason recorded) when unsupported.
   */
  bindFromItem(item: PNode | null, nullable: bool, loc: i64, before: FromItem[]): FromItem | null {
    if (item === null) { this.notDifferentiable("an empty FROM item", loc); return null; }
    if (item.tag == "RangeVar") return this.bindRelation(item, nullable);
    if (item.tag == "JoinExpr") return this.bindJoin(item, nullable, loc, before);
    if (item.tag == "RangeSubselect") return item.bool("lateral") ? bindLateral(this, item, nullable, loc, before) : this.bindSubquery(item, nullable, loc);
    if (item.tag == "RangeFunction") return bindFromFunction(this, item, loc, before);
    this.notDifferentiable("FROM item " + item.tag, loc);
    return null;
  }

  bindRelation(item: PNode, nullable: bool): FromItem | null {
    const relLocation = item.int("location");
    const relname = item.str("relname");
    if (item.str("schemaname").length == 0) {
      for (let i = this.ctes.length - 1; i >= 0; i--) if (this.ctes[i].name == relname) return this.bindCte(i, item, nullable);
    }
    const rel = lookupRelation(item.str("schemaname"), relname);
    if (rel === null) {
      this.failed(new EngineError(ErrorCode.UndefinedTable, "relation \"" + relname + "\" does not exist")
        .at(this.at(relLocation)));
      return null;
    }
    const source = changetype<RelationInfo>(rel);
    // A stream table is captured like a table: its refreshes' changes reach the buffer through the
    // same triggers, so a downstream stream table is maintained differentially too.
    if (source.relkind == "v") return this.bindView(item, source, nullable);
    const inh = item.bool("inh");
    const refusal = prepareInheritance(source, inh);
    if (refusal !== null) { this.notDifferentiable(refusal, relLocation); return null; }
    if (source.relkind != "r") {
      const what = source.relkind == "m" ? "a materialized view"
        : source.relkind == "f" ? "a foreign table" : source.relkind == "p" ? "a partitioned table" : "a relation of kind " + source.relkind;
      this.notDifferentiable(what + " as a source", relLocation);
      return null;
    }
    let alias = relname;
    let schema = source.schema;
    let colnames: string[] = [];
    const aliasNode = item.node("alias");
    if (aliasNode !== null) {
      alias = aliasNode.str("aliasname");
      schema = "";
      colnames = nameList(aliasNode, "colnames");
      if (colnames.length > source.columns.length) {
        this.failed(new EngineError(ErrorCode.SyntaxError, "table \"" + alias + "\" has " + source.columns.length.toString()
          + " columns available but " + colnames.length.toString() + " columns specified").at(this.at(relLocation)));
        return null;
      }
    }
    const scan = new ScanOperator(this.scans.length, source, alias, inh);
    this.scans.push(scan);
    if (nullable) this.nullableRels.push(scan.rel);
    const columns: ColumnBinding[] = [];
    const entry = new AliasEntry(alias, schema, columns);
    for (let c = 0; c < source.columns.length; c++) {
      const name = c < colnames.length ? colnames[c] : source.columns[c].name;
      const column = new ColumnExpr(scan.rel, source.columns[c].name);
      columns.push(new ColumnBinding(name, column));
      if (source.columns[c].notNull && entry.present === null) entry.present = column;
    }
    // A stream table's row type has its hidden columns too: its visible ones make an anonymous record.
    if (!source.isStreamTable) entry.rowType = qualifiedName(source.schema, source.name);
    return new FromItem(scan, columns, [entry]);
  }

  bindJoin(item: PNode, nullable: bool, loc: i64, before: FromItem[]): FromItem | null {
    const kind = item.str("jointype");
    let joinType = JoinType.Inner;
    if (kind == "JOIN_LEFT") joinType = JoinType.Left;
    else if (kind == "JOIN_RIGHT") joinType = JoinType.Right;
    else if (kind == "JOIN_FULL") joinType = JoinType.Full;
    else if (kind != "JOIN_INNER" && kind.length > 0) { this.notDifferentiable("join type " + kind, loc); return null; }
    const leftNullable = nullable || joinType == JoinType.Right || joinType == JoinType.Full;
    const rightNullable = nullable || joinType == JoinType.Left || joinType == JoinType.Full;
    const left = this.bindFromItem(item.node("larg"), leftNullable, loc, before);
    if (left === null) return null;
    const l = changetype<FromItem>(left);
    const right = this.bindFromItem(item.node("rarg"), rightNullable, loc, before.concat([l]));
    if (right === null) return null;
    const r = changetype<FromItem>(right);
    if (l.lateral !== null || l.columnsOnly) { this.notDifferentiable("a LATERAL subquery as the left side of a join", loc); return null; }
    // The right side's LATERAL condition becomes this join's: it may read only the left side.
    const lateralCondition = r.lateral;
    if (lateralCondition !== null && !readsOnly(lateralCondition, l.op, r.op)) {
      this.notDifferentiable("a LATERAL subquery in a join that reads a FROM item outside the join", loc);
      return null;
    }

    // USING and NATURAL: equal columns of both sides, merged into one output column each.
    let using = nameList(item, "usingClause");
    if (item.bool("isNatural")) {
      using = [];
      for (let i = 0; i < l.columns.length; i++) {
        const name = l.columns[i].name;
        if (!using.includes(name) && bindingOf(r.columns, name) !== null) using.push(name);
      }
    }
    const conditions: Expr[] = [];
    const merged: ColumnBinding[] = [];
    for (let i = 0; i < using.length; i++) {
      const name = using[i];
      const le = uniqueBinding(l.columns, name);
      const re = uniqueBinding(r.columns, name);
      if (le === null || re === null) {
        this.failed(new EngineError(ErrorCode.UndefinedColumn, "column \"" + name + "\" specified in USING clause does not exist in "
          + (le === null ? "left" : "right") + " table").at(this.at(loc)));
        return null;
      }
      // A merged column above an outer join must be NULL where its side is padded.
      if (bindingOf(l.columns, name)!.padded || bindingOf(r.columns, name)!.padded) {
        this.notDifferentiable("USING or NATURAL on a computed column of a subquery or view on the nullable side of an outer join", loc);
        return null;
      }
      const lx = changetype<Expr>(le);
      const rx = changetype<Expr>(re);
      conditions.push(new OperatorExpr("=", lx, rx));
      const value = joinType == JoinType.Full ? new CallLikeExpr("COALESCE", [lx, rx]) : joinType == JoinType.Right ? rx : lx;
      merged.push(new ColumnBinding(name, value));
    }
    const lateral = r.lateral;
    if (lateral !== null) {
      if (joinType != JoinType.Inner && joinType != JoinType.Left) { this.notDifferentiable("a LATERAL subquery on the right of a RIGHT or FULL join", loc); return null; }
      conditions.push(lateral);
    }
    // One row for every left row: kept by a left join, and an ON condition would have to pad it.
    if (r.alwaysOne) {
      if (!isTrue(item.node("quals"))) {
        this.notDifferentiable("a JOIN condition other than ON true with a LATERAL aggregate subquery", loc);
        return null;
      }
      joinType = JoinType.Left;
      // This join never pads it: only a join around this one can.
      for (let i = 0; i < r.columns.length; i++) r.columns[i].padded = r.columns[i].padded && nullable;
    }
    const quals = item.node("quals");
    if (quals !== null) {
      const scope = new Scope([l, r]);
      scope.outer = this.outerScope;
      const binder = new ExpressionBinder(this.queryText, scope, this.fixedPosition, this.functions);
      const on = binder.bind(quals, 0, false);
      if (on === null) {
        this.binderFailed(changetype<EngineError>(binder.error));
        return null;
      }
      conditions.push(on);
    }
    const condition: Expr | null = conditions.length == 0 ? null : conditions.length == 1 ? conditions[0] : new BoolExpr("AND", conditions);
    notePadding(joinType, l.aliases, r.aliases, conditions);
    const columns = merged.slice(0);
    for (let i = 0; i < l.columns.length; i++) if (!using.includes(l.columns[i].name)) columns.push(l.columns[i]);
    for (let i = 0; i < r.columns.length; i++) if (!using.includes(r.columns[i].name)) columns.push(r.columns[i]);
    let op: Operator = new JoinOperator(joinType, l.op, r.op, condition);
    // A LATERAL row without FROM adds columns, not rows: an inner join's condition filters the left side.
    if (r.columnsOnly) {
      if (joinType == JoinType.Left && isTrue(item.node("quals"))) {
        // Its one row always matches: this join never pads it, only a join around this one can.
        op = l.op;
        for (let i = 0; i < r.columns.length; i++) r.columns[i].padded = r.columns[i].padded && nullable;
      }
      else if (joinType == JoinType.Inner && (condition === null || readsOnly(changetype<Expr>(condition), l.op, l.op))) {
        op = condition === null ? l.op : new FilterOperator(l.op, changetype<Expr>(condition));
      }
      else { this.notDifferentiable("a LATERAL subquery without FROM in an outer join other than LEFT JOIN ... ON true, or in a join whose condition reads outside it", loc); return null; }
    }
    const aliasNode = item.node("alias");
    if (aliasNode === null) {
      const aliases = l.aliases.concat(r.aliases);
      // `JOIN ... USING (k) AS x`: x.k names the merged column.
      const usingAlias = item.node("join_using_alias");
      if (usingAlias !== null) aliases.push(new AliasEntry(usingAlias.str("aliasname"), "", merged));
      return new FromItem(op, columns, aliases);
    }
    // `(a JOIN b) AS j (x, y)`: only j is visible outside, its first columns renamed.
    const colnames = nameList(aliasNode, "colnames");
    const renamed: ColumnBinding[] = [];
    for (let i = 0; i < columns.length; i++) renamed.push(i < colnames.length ? new ColumnBinding(colnames[i], columns[i].expr) : columns[i]);
    return new FromItem(op, renamed, [new AliasEntry(aliasNode.str("aliasname"), "", renamed)]);
  }

  /**
   * A subquery in FROM is flattened into the query: its scans join the query's, its WHERE becomes
   * a filter, and its output columns stand for the expressions it selects. Only a plain
   * select-project-join subquery can be flattened.
   */
  bindSubquery(item: PNode, nullable: bool, loc: i64): FromItem | null {
    const sub = item.node("subquery");
    if (sub === null || sub.tag != "SelectStmt") { this.notDifferentiable("this subquery in FROM", loc); return null; }
    const aliasNode = item.node("alias");
    const alias = aliasNode !== null ? aliasNode.str("aliasname") : "";
    const colnames = aliasNode !== null ? nameList(aliasNode, "colnames") : new Array<string>();
    return this.flatten(changetype<PNode>(sub), alias, "", colnames, nullable, loc);
  }

  /**
   * A view is inlined like a subquery in FROM: its query (PostgreSQL's parse of pg_get_viewdef)
   * is flattened into the defining query, so its base tables are captured and joined directly.
   * Errors inside it point at the view's name.
   */
  bindView(item: PNode, view: RelationInfo, nullable: bool): FromItem | null {
    const location = item.int("location");
    const answer = lookupViewQuery(view.oid);
    if (answer === null) return this.unreadableView(view, location);
    const tree = readParseTree(changetype<Json>(answer));
    if (tree.error !== null) return this.unreadableView(view, location);
    const selected = singleSelect(tree.statements);
    if (selected.select === null) { this.notDifferentiable("a view whose query is not a plain SELECT", location); return null; }
    const saved = this.fixedPosition;
    this.fixedPosition = this.at(location);
    // The view's names resolve in its own scope: the defining query's CTEs are not visible in it.
    const ctes = this.ctes;
    this.ctes = [];
    const aliasNode = item.node("alias");
    const colnames: string[] = [];
    const given = aliasNode !== null ? nameList(aliasNode, "colnames") : new Array<string>();
    for (let i = 0; i < view.columns.length; i++) colnames.push(i < given.length ? given[i] : view.columns[i].name);
    const out = this.flatten(changetype<PNode>(selected.select), aliasNode !== null ? aliasNode.str("aliasname") : view.name,
      aliasNode !== null ? "" : view.schema, colnames, nullable, location);
    this.fixedPosition = saved;
    this.ctes = ctes;
    if (out === null) return null;
    // Its whole-row value has the view's row type, as in PostgreSQL.
    if (out.aliases.length == 1) out.aliases[0].rowType = qualifiedName(view.schema, view.name);
    if (!this.viewRead(view.oid)) this.views.push(view);
    return out;
  }

  unreadableView(view: RelationInfo, location: i64): FromItem | null {
    this.failed(new EngineError(ErrorCode.InternalProtocol, "cannot read the definition of view \"" + view.name + "\"").at(this.at(location)));
    return null;
  }

  viewRead(oid: string): bool {
    for (let i = 0; i < this.views.length; i++) if (this.views[i].oid == oid) return true;
    return false;
  }

  /**
   * A SELECT inside FROM (a subquery, a view's query) flattened into the query: its scans join the
   * query's, its WHERE becomes a filter, and its output columns (named `colnames`, else as it
   * names them) stand for the expressions it selects. A query that groups cannot be flattened:
   * it becomes a DerivedOperator, a scan of its result. `alias` ("" for none) and `schema` name
   * it for qualified references.
   */
  flatten(s: PNode, alias: string, schema: string, colnames: string[], nullable: bool, loc: i64): FromItem | null {
    const subLoc = locationIn(s, loc);
    if (isConstant(s)) return bindConstant(this, s, alias, colnames, subLoc);
    const sub = this.bindQuery(s, subLoc, " in a subquery in FROM");
    if (sub === null) return null;
    const q = changetype<AnalyzedQuery>(sub);
    const columns: ColumnBinding[] = [];
    let op: Operator;
    // A query that groups, or repeats rows (INTERSECT ALL, EXCEPT ALL), is a relation of its own;
    // so is one computing a column on the nullable side of an outer join, which must pad it with NULL.
    if (q.grouped || q.copies !== null || (nullable && computesColumn(q))) {
      if (q.groupingSets !== null) { this.notDifferentiable("GROUPING SETS, ROLLUP or CUBE in a subquery in FROM", subLoc); return null; }
      const derived = this.derive(q, alias.length > 0 ? alias : "subquery");
      for (let i = 0; i < q.outputs.length; i++) {
        columns.push(new ColumnBinding(i < colnames.length ? colnames[i] : q.outputs[i].name, new ColumnExpr(derived.rel, derived.columns[i])));
      }
      op = derived;
    } else {
      op = changetype<Operator>(q.from);
      if (q.where !== null) op = new FilterOperator(op, changetype<Expr>(q.where));
      for (let i = 0; i < q.outputs.length; i++) {
        const expr = q.outputs[i].expr;
        columns.push(new ColumnBinding(i < colnames.length ? colnames[i] : q.outputs[i].name, expr, nullable && expr.kind != ExprKind.Column));
      }
    }
    const aliases: AliasEntry[] = alias.length > 0 ? [new AliasEntry(alias, schema, columns)] : [];
    return new FromItem(op, columns, aliases);
  }

  /** SELECT DISTINCT over the rows of grouped query `q`: a grouping, by every column, of `q` as a Derived relation. */
  distinctOver(q: AnalyzedQuery): AnalyzedQuery {
    const d = this.derive(q, "groups");
    const out = new AnalyzedQuery();
    out.from = d;
    for (let i = 0; i < q.outputs.length; i++) {
      const column = new ColumnExpr(d.rel, d.columns[i]);
      out.outputs.push(new OutputColumn(q.outputs[i].name, column));
      out.groupKeys.push(column);
    }
    out.distinct = true;
    out.grouped = true;
    out.scans = this.scans;
    return out;
  }

  /**
   * Grouped query `q` whose select list calls set-returning function `f`, which PostgreSQL calls
   * once per group: the groups become a Derived relation G (keys, then aggregates), and f, its
   * arguments read from G's columns, is joined to each of G's rows.
   */
  functionOverGroups(q: AnalyzedQuery, f: DerivedOperator): AnalyzedQuery {
    const outputs = q.outputs;
    q.outputs = groupOutputs(q.groupKeys, q.aggregates);
    const g = this.derive(q, "groups");
    const over = new GroupColumns(q.groupKeys, g);
    f.call = over.read(changetype<Expr>(f.call));
    const out = new AnalyzedQuery();
    out.from = new JoinOperator(JoinType.Inner, g, f, null);
    for (let i = 0; i < outputs.length; i++) out.outputs.push(new OutputColumn(outputs[i].name, over.read(outputs[i].expr)));
    out.scans = this.scans;
    return out;
  }

  /** A scan of the result of grouping query `q`, added to the query's scans. */
  derive(q: AnalyzedQuery, alias: string): DerivedOperator {
    const derived = new DerivedOperator(this.scans.length, [q], alias);
    this.scans.push(derived);
    return derived;
  }

  /** Binds a target list, expanding `*` and `alias.*`; null on error (recorded in the binder). */
  bindTargets(s: PNode, binder: ExpressionBinder, allowAggregates: bool): OutputColumn[] | null {
    const outputs: OutputColumn[] = [];
    const targets = nodeList(s, "targetList");
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      if (t === null) continue;
      const val = t.node("val");
      if (val !== null && val.tag == "ColumnRef") {
        const parts = nameList(val, "fields");
        if (parts[parts.length - 1] == "*") {
          let expanded: ColumnBinding[] = [];
          if (parts.length == 1) {
            for (let k = 0; k < binder.scope.items.length; k++) expanded = expanded.concat(binder.scope.items[k].columns);
          } else {
            const entry = binder.scope.visibleAlias(parts[parts.length - 2], parts.length == 3 ? parts[0] : "");
            if (entry === null) {
              binder.fail(new EngineError(ErrorCode.UndefinedTable, "missing FROM-clause entry for table \"" + parts[parts.length - 2] + "\"")
                .at(this.at(val.int("location"))));
              return null;
            }
            expanded = entry.columns;
          }
          for (let c = 0; c < expanded.length; c++) {
            if (expanded[c].padded) {
              binder.unsupported("a computed column of a subquery or view on the nullable side of an outer join", val.int("location"));
              return null;
            }
            outputs.push(new OutputColumn(expanded[c].name, expanded[c].expr));
          }
          continue;
        }
      }
      const e = binder.bind(val, 0, allowAggregates);
      if (e === null) return null;
      const name = t.str("name").length > 0 ? t.str("name") : figureColumnName(val);
      outputs.push(new OutputColumn(name, e));
    }
    return outputs;
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
      const checker = new ExpressionBinder(this.queryText, binder.scope, this.fixedPosition, new FunctionPolicy(VolatilePolicy.Allow));
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
      if (error !== null && (error.code == ErrorCode.UndefinedColumn || error.code == ErrorCode.UndefinedTable
        || error.code == ErrorCode.AmbiguousColumn)) {
        binder.fail(error);
        return false;
      }
    }
    return true;
  }
}

/** True when every column `e` reads belongs to a scan under `a` or `b`. */
function readsOnly(e: Expr, a: Operator, b: Operator): bool {
  const rels: i32[] = [];
  const scans = scansOf(a).concat(scansOf(b));
  for (let i = 0; i < scans.length; i++) rels.push(scans[i].rel);
  const refs = columnRefs(e);
  for (let i = 0; i < refs.length; i++) if (!rels.includes(refs[i].rel)) return false;
  return true;
}

/** True when some scan reads a source relation (not only constant relations and functions). */
function readsSource(scans: ScanOperator[]): bool {
  for (let i = 0; i < scans.length; i++) if (!isDerived(scans[i])) return true;
  return false;
}

/** True for `ON true` (or no condition). */
function isTrue(on: PNode | null): bool {
  if (on === null) return true;
  const v = on.tag == "A_Const" ? on.node("val") : null;
  return v !== null && v.tag == "Boolean" && v.bool("boolval");
}

/** The binding called `name` in `columns`, or null. */
function bindingOf(columns: ColumnBinding[], name: string): ColumnBinding | null {
  for (let i = 0; i < columns.length; i++) if (columns[i].name == name) return columns[i];
  return null;
}

/** The expression of the one binding called `name`, or null when there is none or several. */
function uniqueBinding(columns: ColumnBinding[], name: string): Expr | null {
  let found: Expr | null = null;
  let hits = 0;
  for (let i = 0; i < columns.length; i++) if (columns[i].name == name) { found = columns[i].expr; hits++; }
  return hits == 1 ? found : null;
}

/**
 * Fills every scan's `columns`: the source columns some expression of the query reads, in
 * first-use order, then the source's primary key (a single-source projection is keyed by it).
 */
function recordColumnsUsed(q: AnalyzedQuery): void {
  const exprs: Expr[] = [];
  collectQueryExprs(q, exprs);
  for (let i = 0; i < exprs.length; i++) {
    const refs = columnRefs(exprs[i]);
    for (let k = 0; k < refs.length; k++) {
      const scan = q.scans[refs[k].rel];
      if (!scan.columns.includes(refs[k].column)) scan.columns.push(refs[k].column);
    }
  }
  for (let s = 0; s < q.scans.length; s++) {
    const scan = q.scans[s];
    for (let k = 0; k < scan.source.primaryKey.length; k++) {
      if (!scan.columns.includes(scan.source.primaryKey[k])) scan.columns.push(scan.source.primaryKey[k]);
    }
  }
}

/** Analyzes the SELECT statement `s` of `queryText`; GROUPING SETS may expand to at most `maxGroupingSets` sets. */
export function analyzeSelect(s: PNode, queryText: string, maxGroupingSets: i32 = 64, volatile: VolatilePolicy = VolatilePolicy.Reject,
  maxLimit: i64 = 1000): Analysis {
  const analyzer = new QueryAnalyzer(queryText, maxGroupingSets, volatile);
  analyzer.maxLimit = maxLimit;
  const analysis = analyzer.analyze(s);
  analysis.warnings = analyzer.functions.warnings;
  return analysis;
}

/** True when an output of `q` is not a plain column. */
function computesColumn(q: AnalyzedQuery): bool {
  for (let i = 0; i < q.outputs.length; i++) if (q.outputs[i].expr.kind != ExprKind.Column) return true;
  return false;
}

/** True when every column `e` reads lies inside a GROUP BY key or an aggregate (or is `also`). */
function coveredByGroups(e: Expr, q: AnalyzedQuery, also: Expr | null = null): bool {
  const text = canonicalSql(e);
  for (let i = 0; i < q.groupKeys.length; i++) if (canonicalSql(q.groupKeys[i]) == text) return true;
  if (also !== null && canonicalSql(also) == text) return true;
  if (e.kind == ExprKind.Aggregate) return true;
  if (e.kind == ExprKind.Column) return false;
  const children = childExpressions(e);
  for (let i = 0; i < children.length; i++) if (!coveredByGroups(children[i], q, also)) return false;
  return true;
}
