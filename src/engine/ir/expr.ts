/**
 * @fileoverview Scalar expressions of a defining query after name resolution: an immutable tree
 * tagged by `kind`. Column references are resolved to source column names; constants keep
 * their SQL text. The renderer (sqlgen/render-expression.ts) turns a tree back into SQL in a
 * given context (full query, delta rows, new aggregate state). `childExpressions` and
 * `columnRefs` walk a tree.
 */

/** The kinds of scalar expression. */
export enum ExprKind {
  Column, Const, Operator, Function, Aggregate, Bool, NullTest, BooleanTest, Case, Cast,
  CallLike, Array, Collate, In, Between, Distinct, AnyAll, Row, Grouping, Window,
}

/** Base of every expression node. */
export abstract class Expr {
  constructor(public readonly kind: ExprKind) {}
}

/** Column `column` of the query's range entry `rel` (its scan number, see ir/operator-tree.ts). */
export class ColumnExpr extends Expr {
  constructor(public readonly rel: i32, public readonly column: string) { super(ExprKind.Column); }
}

/** A constant, as SQL text (already quoted), e.g. `42`, `'abc'`, `NULL`, `B'101'`. */
export class ConstExpr extends Expr {
  constructor(public readonly sql: string) { super(ExprKind.Const); }
}

/** A prefix or infix operator; `operator` is SQL text (`+`, or `OPERATOR("s"."+")`). */
export class OperatorExpr extends Expr {
  constructor(public readonly operator: string, public readonly left: Expr | null, public readonly right: Expr) {
    super(ExprKind.Operator);
  }
}

/** A call of a non-aggregate function; `name` is quoted SQL. */
export class FunctionExpr extends Expr {
  constructor(public readonly name: string, public readonly args: Expr[], public readonly variadicLast: bool) {
    super(ExprKind.Function);
  }
}

/**
 * How an aggregate is maintained: the built-in ones named here from state kept per group
 * (operators/aggregate.ts), MIN/MAX with a rescan of the groups that lose their extremum, and
 * every other aggregate (DISTINCT, ORDER BY, ordered-set, user-defined, STRING_AGG, ...) by
 * recomputing the groups a change touches.
 */
export enum AggregateFunc { CountStar, Count, Sum, Avg, Min, Max, BoolAnd, BoolOr, Rescan }

/** One ORDER BY item inside an aggregate call: the expression and the words after it (" DESC NULLS FIRST"). */
export class SortKey {
  constructor(public readonly expr: Expr, public readonly suffix: string) {}
}

/**
 * An aggregate call as written: `name([DISTINCT] args [ORDER BY order]) [WITHIN GROUP (ORDER BY order)] [FILTER (WHERE filter)]`;
 * `builtin` when every aggregate the name can mean is PostgreSQL's own (in pg_catalog).
 */
export class AggregateCall {
  constructor(
    public readonly name: string,
    public readonly builtin: bool,
    public readonly args: Expr[],
    public readonly star: bool,
    public readonly distinct: bool,
    public readonly order: SortKey[],
    public readonly withinGroup: bool,
    public readonly variadic: bool,
    public readonly filter: Expr | null,
  ) {}

  /** The function's name without schema or quotes (`count`). */
  get bareName(): string {
    const parts = this.name.split(".");
    return parts[parts.length - 1].replaceAll("\"", "");
  }
}

/**
 * An aggregate call; `index` numbers the distinct aggregates of a query (0-based), `arg` is
 * the one argument of a built-in maintained from state (null for COUNT(*) and Rescan). `func`
 * turns Rescan when state would not give PostgreSQL's value (analyze/order-sensitive.ts).
 */
export class AggregateExpr extends Expr {
  constructor(public func: AggregateFunc, public readonly arg: Expr | null, public readonly index: i32,
    public readonly call: AggregateCall) {
    super(ExprKind.Aggregate);
  }
}

/** AND, OR, NOT. */
export class BoolExpr extends Expr {
  constructor(public readonly op: string, public readonly args: Expr[]) { super(ExprKind.Bool); }
}

/** `x IS [NOT] NULL`. */
export class NullTestExpr extends Expr {
  constructor(public readonly arg: Expr, public readonly isNull: bool) { super(ExprKind.NullTest); }
}

/** `x IS [NOT] TRUE|FALSE|UNKNOWN`; `test` is the SQL words after the argument. */
export class BooleanTestExpr extends Expr {
  constructor(public readonly arg: Expr, public readonly test: string) { super(ExprKind.BooleanTest); }
}

/** CASE [arg] WHEN .. THEN .. [ELSE ..] END. */
export class CaseExpr extends Expr {
  constructor(
    public readonly arg: Expr | null,
    public readonly conditions: Expr[],
    public readonly results: Expr[],
    public readonly otherwise: Expr | null,
  ) { super(ExprKind.Case); }
}

/** CAST(x AS type); `typeSql` is the rendered type name. */
export class CastExpr extends Expr {
  constructor(public readonly arg: Expr, public readonly typeSql: string) { super(ExprKind.Cast); }
}

/** COALESCE, GREATEST, LEAST, NULLIF: a keyword applied to an argument list. */
export class CallLikeExpr extends Expr {
  constructor(public readonly keyword: string, public readonly args: Expr[]) { super(ExprKind.CallLike); }
}

/** ARRAY[...]. */
export class ArrayExpr extends Expr {
  constructor(public readonly elements: Expr[]) { super(ExprKind.Array); }
}

/** x COLLATE "name". */
export class CollateExpr extends Expr {
  constructor(public readonly arg: Expr, public readonly collation: string) { super(ExprKind.Collate); }
}

/** x [NOT] IN (a, b, ...). */
export class InExpr extends Expr {
  constructor(public readonly arg: Expr, public readonly items: Expr[], public readonly negated: bool) {
    super(ExprKind.In);
  }
}

/** x [NOT] BETWEEN [SYMMETRIC] low AND high; `keyword` holds the words between x and low. */
export class BetweenExpr extends Expr {
  constructor(public readonly arg: Expr, public readonly keyword: string, public readonly low: Expr, public readonly high: Expr) {
    super(ExprKind.Between);
  }
}

/** x IS [NOT] DISTINCT FROM y. */
export class DistinctExpr extends Expr {
  constructor(public readonly left: Expr, public readonly right: Expr, public readonly negated: bool) {
    super(ExprKind.Distinct);
  }
}

/** x op ANY|ALL (array). */
export class AnyAllExpr extends Expr {
  constructor(public readonly left: Expr, public readonly operator: string, public readonly right: Expr, public readonly all: bool) {
    super(ExprKind.AnyAll);
  }
}

/**
 * ROW(a, b, ...) (also written (a, b, ...)). `names`, when given, name its fields: the whole-row
 * value of a subquery, whose field names functions like row_to_json show.
 */
export class RowExpr extends Expr {
  constructor(public readonly args: Expr[], public readonly names: string[] = []) { super(ExprKind.Row); }
}

/** GROUPING(a, b, ...): which of its arguments (GROUP BY keys) a grouping-set row aggregates over, as bits. */
export class GroupingExpr extends Expr {
  constructor(public readonly args: Expr[]) { super(ExprKind.Grouping); }
}

// PostgreSQL's FRAMEOPTION_* bits (nodes/parsenodes.h), the same in 16, 17 and 18.
export const FRAME_NONDEFAULT = 0x1;
export const FRAME_RANGE = 0x2;
export const FRAME_ROWS = 0x4;
export const FRAME_BETWEEN = 0x10;
export const FRAME_START_UNBOUNDED_PRECEDING = 0x20;
export const FRAME_END_UNBOUNDED_FOLLOWING = 0x100;
export const FRAME_START_CURRENT_ROW = 0x200;
export const FRAME_END_CURRENT_ROW = 0x400;
export const FRAME_START_OFFSET_PRECEDING = 0x800;
export const FRAME_END_OFFSET_PRECEDING = 0x1000;
export const FRAME_EXCLUDE_CURRENT_ROW = 0x8000;
export const FRAME_EXCLUDE_GROUP = 0x10000;
export const FRAME_EXCLUDE_TIES = 0x20000;

/**
 * A window function call, `call OVER (PARTITION BY partition ORDER BY order frame)`: `call` holds
 * the function, its arguments and FILTER (a plain or an aggregate function); `frameOptions` is
 * PostgreSQL's FRAMEOPTION_* bit set, with the offsets of `n PRECEDING`/`n FOLLOWING` bounds.
 */
export class WindowExpr extends Expr {
  constructor(
    public readonly call: AggregateCall,
    public readonly partition: Expr[],
    public readonly order: SortKey[],
    public readonly frameOptions: i32,
    public readonly startOffset: Expr | null,
    public readonly endOffset: Expr | null,
  ) { super(ExprKind.Window); }
}

/** The column references in `e`, in reading order (repeats included). */
export function columnRefs(e: Expr): ColumnExpr[] {
  const out: ColumnExpr[] = [];
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x.kind == ExprKind.Column) { out.push(x as ColumnExpr); continue; }
    const children = childExpressions(x);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return out;
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
    case ExprKind.Aggregate: {
      const call = (e as AggregateExpr).call;
      for (let i = 0; i < call.args.length; i++) out.push(call.args[i]);
      for (let i = 0; i < call.order.length; i++) out.push(call.order[i].expr);
      if (call.filter !== null) out.push(changetype<Expr>(call.filter));
      break;
    }
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
    case ExprKind.Row: return (e as RowExpr).args;
    case ExprKind.Grouping: return (e as GroupingExpr).args;
    case ExprKind.Collate: out.push((e as CollateExpr).arg); break;
    case ExprKind.In: { const i = e as InExpr; out.push(i.arg); for (let k = 0; k < i.items.length; k++) out.push(i.items[k]); break; }
    case ExprKind.Between: { const b = e as BetweenExpr; out.push(b.arg); out.push(b.low); out.push(b.high); break; }
    case ExprKind.Distinct: { const d = e as DistinctExpr; out.push(d.left); out.push(d.right); break; }
    case ExprKind.AnyAll: { const a = e as AnyAllExpr; out.push(a.left); out.push(a.right); break; }
    case ExprKind.Window: {
      const w = e as WindowExpr;
      for (let i = 0; i < w.call.args.length; i++) out.push(w.call.args[i]);
      if (w.call.filter !== null) out.push(changetype<Expr>(w.call.filter));
      for (let i = 0; i < w.partition.length; i++) out.push(w.partition[i]);
      for (let i = 0; i < w.order.length; i++) out.push(w.order[i].expr);
      if (w.startOffset !== null) out.push(changetype<Expr>(w.startOffset));
      if (w.endOffset !== null) out.push(changetype<Expr>(w.endOffset));
      break;
    }
    default: break;
  }
  return out;
}

/** `e` with its direct sub-expressions replaced by `kids`, given in the order childExpressions lists them. */
export function withChildren(e: Expr, kids: Expr[]): Expr {
  switch (e.kind) {
    case ExprKind.Operator: {
      const o = e as OperatorExpr;
      return o.left !== null ? new OperatorExpr(o.operator, kids[0], kids[1]) : new OperatorExpr(o.operator, null, kids[0]);
    }
    case ExprKind.Function: { const f = e as FunctionExpr; return new FunctionExpr(f.name, kids, f.variadicLast); }
    case ExprKind.Aggregate: {
      const a = e as AggregateExpr;
      const c = a.call;
      const args = kids.slice(0, c.args.length);
      const order: SortKey[] = [];
      for (let i = 0; i < c.order.length; i++) order.push(new SortKey(kids[c.args.length + i], c.order[i].suffix));
      const filter: Expr | null = c.filter !== null ? kids[kids.length - 1] : null;
      const call = new AggregateCall(c.name, c.builtin, args, c.star, c.distinct, order, c.withinGroup, c.variadic, filter);
      return new AggregateExpr(a.func, a.arg !== null ? args[0] : null, a.index, call);
    }
    case ExprKind.Bool: return new BoolExpr((e as BoolExpr).op, kids);
    case ExprKind.NullTest: return new NullTestExpr(kids[0], (e as NullTestExpr).isNull);
    case ExprKind.BooleanTest: return new BooleanTestExpr(kids[0], (e as BooleanTestExpr).test);
    case ExprKind.Case: {
      const c = e as CaseExpr;
      let at = 0;
      const arg: Expr | null = c.arg !== null ? kids[at++] : null;
      const conditions: Expr[] = [];
      const results: Expr[] = [];
      for (let i = 0; i < c.conditions.length; i++) { conditions.push(kids[at++]); results.push(kids[at++]); }
      const otherwise: Expr | null = c.otherwise !== null ? kids[at] : null;
      return new CaseExpr(arg, conditions, results, otherwise);
    }
    case ExprKind.Cast: return new CastExpr(kids[0], (e as CastExpr).typeSql);
    case ExprKind.CallLike: return new CallLikeExpr((e as CallLikeExpr).keyword, kids);
    case ExprKind.Array: return new ArrayExpr(kids);
    case ExprKind.Row: return new RowExpr(kids, (e as RowExpr).names);
    case ExprKind.Grouping: return new GroupingExpr(kids);
    case ExprKind.Collate: return new CollateExpr(kids[0], (e as CollateExpr).collation);
    case ExprKind.In: return new InExpr(kids[0], kids.slice(1), (e as InExpr).negated);
    case ExprKind.Between: { const b = e as BetweenExpr; return new BetweenExpr(kids[0], b.keyword, kids[1], kids[2]); }
    case ExprKind.Distinct: return new DistinctExpr(kids[0], kids[1], (e as DistinctExpr).negated);
    case ExprKind.AnyAll: { const a = e as AnyAllExpr; return new AnyAllExpr(kids[0], a.operator, kids[1], a.all); }
    case ExprKind.Window: {
      const w = e as WindowExpr;
      const c = w.call;
      let at = c.args.length;
      const filter: Expr | null = c.filter !== null ? kids[at++] : null;
      const call = new AggregateCall(c.name, c.builtin, kids.slice(0, c.args.length), c.star, c.distinct, c.order, c.withinGroup, c.variadic, filter);
      const partition = kids.slice(at, at + w.partition.length);
      at += w.partition.length;
      const order: SortKey[] = [];
      for (let i = 0; i < w.order.length; i++) order.push(new SortKey(kids[at++], w.order[i].suffix));
      const start: Expr | null = w.startOffset !== null ? kids[at++] : null;
      const end: Expr | null = w.endOffset !== null ? kids[at] : null;
      return new WindowExpr(call, partition, order, w.frameOptions, start, end);
    }
    default: return e;
  }
}

/** `e` with column `columns[i]` of range entry `rel` replaced by `to[i]`. */
export function replaceColumns(e: Expr, rel: i32, columns: string[], to: Expr[]): Expr {
  if (e.kind == ExprKind.Column) {
    const c = e as ColumnExpr;
    const at = c.rel == rel ? columns.indexOf(c.column) : -1;
    return at >= 0 ? to[at] : e;
  }
  const children = childExpressions(e);
  if (children.length == 0) return e;
  const replaced: Expr[] = [];
  for (let i = 0; i < children.length; i++) replaced.push(replaceColumns(children[i], rel, columns, to));
  return withChildren(e, replaced);
}

/** The conjuncts of `e` (its AND's arguments, flattened; `e` itself otherwise). */
export function conjunctsOf(e: Expr): Expr[] {
  const out: Expr[] = [];
  collectConjuncts(e, out);
  return out;
}

function collectConjuncts(e: Expr, out: Expr[]): void {
  if (e.kind == ExprKind.Bool && (e as BoolExpr).op == "AND") {
    const args = (e as BoolExpr).args;
    for (let i = 0; i < args.length; i++) collectConjuncts(args[i], out);
  } else out.push(e);
}
