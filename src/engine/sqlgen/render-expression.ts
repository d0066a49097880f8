/**
 * @fileoverview Renders resolved expressions back to SQL. A RenderContext decides how source
 * columns are spelled (`src."a"`, `w."a"`) and may substitute whole sub-expressions (a GROUP BY
 * key by its stored column, an aggregate by its maintained state). Every compound expression is
 * parenthesised, so the output never depends on operator precedence.
 */

import {
  Expr, ExprKind, ColumnExpr, ConstExpr, OperatorExpr, FunctionExpr, AggregateExpr, AggregateCall,
  BoolExpr, NullTestExpr, BooleanTestExpr, CaseExpr, CastExpr, CallLikeExpr, ArrayExpr, CollateExpr,
  InExpr, BetweenExpr, DistinctExpr, AnyAllExpr, RowExpr, GroupingExpr, WindowExpr,
  FRAME_NONDEFAULT, FRAME_RANGE, FRAME_ROWS, FRAME_BETWEEN, FRAME_START_UNBOUNDED_PRECEDING, FRAME_END_UNBOUNDED_FOLLOWING,
  FRAME_START_CURRENT_ROW, FRAME_END_CURRENT_ROW, FRAME_START_OFFSET_PRECEDING, FRAME_END_OFFSET_PRECEDING,
  FRAME_EXCLUDE_CURRENT_ROW, FRAME_EXCLUDE_GROUP, FRAME_EXCLUDE_TIES,
} from "../ir/expr";
import { quoteIdent } from "./quote";

/** How a rendering spells columns and which sub-expressions it replaces. */
export abstract class RenderContext {
  /** SQL for a source column. */
  abstract column(c: ColumnExpr): string;
  /** A replacement for `e`, or null to render it structurally. */
  substitute(e: Expr): string | null { return null; }
}

/**
 * Columns as `<range entry>."name"`, nothing substituted: the canonical text used to compare
 * expressions (never run as SQL).
 */
export class CanonicalContext extends RenderContext {
  column(c: ColumnExpr): string { return c.rel.toString() + "." + quoteIdent(c.column); }
}

/** Columns qualified by one relation alias (a query over a single source). */
export class AliasContext extends RenderContext {
  constructor(public alias: string) { super(); }
  column(c: ColumnExpr): string { return this.alias + "." + quoteIdent(c.column); }
}

const canonical = new CanonicalContext();

/** The canonical text of `e` (equal texts mean equal expressions). */
export function canonicalSql(e: Expr): string {
  return renderExpr(e, canonical);
}

/** Renders `e` in `ctx`. */
export function renderExpr(e: Expr, ctx: RenderContext): string {
  const replaced = ctx.substitute(e);
  if (replaced !== null) return replaced;
  switch (e.kind) {
    case ExprKind.Column: return ctx.column(e as ColumnExpr);
    case ExprKind.Const: return (e as ConstExpr).sql;
    case ExprKind.Operator: {
      const op = e as OperatorExpr;
      const left = op.left;
      if (left === null) return "(" + op.operator + " " + renderExpr(op.right, ctx) + ")";
      return "(" + renderExpr(left, ctx) + " " + op.operator + " " + renderExpr(op.right, ctx) + ")";
    }
    case ExprKind.Function: {
      const f = e as FunctionExpr;
      const args = renderList(f.args, ctx);
      if (f.variadicLast && args.length > 0) args[args.length - 1] = "VARIADIC " + args[args.length - 1];
      return f.name + "(" + args.join(", ") + ")";
    }
    case ExprKind.Aggregate: return renderAggregateCall((e as AggregateExpr).call, ctx);
    case ExprKind.Window: return renderWindow(e as WindowExpr, ctx);
    case ExprKind.Bool: {
      const b = e as BoolExpr;
      if (b.op == "NOT") return "(NOT " + renderExpr(b.args[0], ctx) + ")";
      return "(" + renderList(b.args, ctx).join(" " + b.op + " ") + ")";
    }
    case ExprKind.NullTest: {
      const n = e as NullTestExpr;
      return "(" + renderExpr(n.arg, ctx) + (n.isNull ? " IS NULL)" : " IS NOT NULL)");
    }
    case ExprKind.BooleanTest: {
      const t = e as BooleanTestExpr;
      return "(" + renderExpr(t.arg, ctx) + " " + t.test + ")";
    }
    case ExprKind.Case: {
      const c = e as CaseExpr;
      const parts: string[] = ["CASE"];
      const arg = c.arg;
      if (arg !== null) parts.push(renderExpr(arg, ctx));
      for (let i = 0; i < c.conditions.length; i++) {
        parts.push("WHEN " + renderExpr(c.conditions[i], ctx) + " THEN " + renderExpr(c.results[i], ctx));
      }
      const otherwise = c.otherwise;
      if (otherwise !== null) parts.push("ELSE " + renderExpr(otherwise, ctx));
      parts.push("END");
      return parts.join(" ");
    }
    case ExprKind.Cast: {
      const c = e as CastExpr;
      return "CAST(" + renderExpr(c.arg, ctx) + " AS " + c.typeSql + ")";
    }
    case ExprKind.CallLike: {
      const c = e as CallLikeExpr;
      return c.keyword + "(" + renderList(c.args, ctx).join(", ") + ")";
    }
    case ExprKind.Array: return "ARRAY[" + renderList((e as ArrayExpr).elements, ctx).join(", ") + "]";
    case ExprKind.Collate: {
      const c = e as CollateExpr;
      return "(" + renderExpr(c.arg, ctx) + " COLLATE " + c.collation + ")";
    }
    case ExprKind.In: {
      const i = e as InExpr;
      return "(" + renderExpr(i.arg, ctx) + (i.negated ? " NOT IN (" : " IN (") + renderList(i.items, ctx).join(", ") + "))";
    }
    case ExprKind.Between: {
      const b = e as BetweenExpr;
      return "(" + renderExpr(b.arg, ctx) + " " + b.keyword + " " + renderExpr(b.low, ctx) + " AND " + renderExpr(b.high, ctx) + ")";
    }
    case ExprKind.Distinct: {
      const d = e as DistinctExpr;
      return "(" + renderExpr(d.left, ctx) + (d.negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ") + renderExpr(d.right, ctx) + ")";
    }
    case ExprKind.AnyAll: {
      const a = e as AnyAllExpr;
      return "(" + renderExpr(a.left, ctx) + " " + a.operator + (a.all ? " ALL (" : " ANY (") + renderExpr(a.right, ctx) + "))";
    }
    case ExprKind.Row: {
      const r = e as RowExpr;
      const args = renderList(r.args, ctx);
      if (r.names.length == 0) return "ROW(" + args.join(", ") + ")";
      // ROW() names its fields f1, f2, ...: a one-row subquery's row is a record with these names.
      for (let i = 0; i < args.length; i++) args[i] += " AS " + quoteIdent(r.names[i]);
      return "(SELECT __pgt_row FROM (SELECT " + args.join(", ") + ") AS __pgt_row)";
    }
    case ExprKind.Grouping: return "GROUPING(" + renderList((e as GroupingExpr).args, ctx).join(", ") + ")";
    default: {
      assert(false, "unknown expression kind");
      return "";
    }
  }
}

/** An aggregate call as written, its expressions rendered in `ctx`. */
export function renderAggregateCall(call: AggregateCall, ctx: RenderContext): string {
  const args = renderList(call.args, ctx);
  if (call.variadic && args.length > 0) args[args.length - 1] = "VARIADIC " + args[args.length - 1];
  const order: string[] = [];
  for (let i = 0; i < call.order.length; i++) order.push(renderExpr(call.order[i].expr, ctx) + call.order[i].suffix);
  let sql = call.name + "(" + (call.star ? "*" : (call.distinct ? "DISTINCT " : "") + args.join(", "));
  if (order.length > 0 && !call.withinGroup) sql += " ORDER BY " + order.join(", ");
  sql += ")";
  if (call.withinGroup) sql += " WITHIN GROUP (ORDER BY " + order.join(", ") + ")";
  const filter = call.filter;
  if (filter !== null) sql += " FILTER (WHERE " + renderExpr(filter, ctx) + ")";
  return sql;
}

/** `call OVER (PARTITION BY ... ORDER BY ... frame)`. */
function renderWindow(w: WindowExpr, ctx: RenderContext): string {
  const parts: string[] = [];
  if (w.partition.length > 0) parts.push("PARTITION BY " + renderList(w.partition, ctx).join(", "));
  const order: string[] = [];
  for (let i = 0; i < w.order.length; i++) order.push(renderExpr(w.order[i].expr, ctx) + w.order[i].suffix);
  if (order.length > 0) parts.push("ORDER BY " + order.join(", "));
  const frame = renderFrame(w, ctx);
  if (frame.length > 0) parts.push(frame);
  return renderAggregateCall(w.call, ctx) + " OVER (" + parts.join(" ") + ")";
}

/** The frame clause a window was written with ("" for the default frame). */
function renderFrame(w: WindowExpr, ctx: RenderContext): string {
  const o = w.frameOptions;
  if ((o & FRAME_NONDEFAULT) == 0) return "";
  const mode = (o & FRAME_RANGE) != 0 ? "RANGE" : (o & FRAME_ROWS) != 0 ? "ROWS" : "GROUPS";
  const start = (o & FRAME_START_UNBOUNDED_PRECEDING) != 0 ? "UNBOUNDED PRECEDING"
    : (o & FRAME_START_CURRENT_ROW) != 0 ? "CURRENT ROW"
    : renderExpr(changetype<Expr>(w.startOffset), ctx) + ((o & FRAME_START_OFFSET_PRECEDING) != 0 ? " PRECEDING" : " FOLLOWING");
  let sql = mode + " ";
  if ((o & FRAME_BETWEEN) != 0) {
    const end = (o & FRAME_END_UNBOUNDED_FOLLOWING) != 0 ? "UNBOUNDED FOLLOWING"
      : (o & FRAME_END_CURRENT_ROW) != 0 ? "CURRENT ROW"
      : renderExpr(changetype<Expr>(w.endOffset), ctx) + ((o & FRAME_END_OFFSET_PRECEDING) != 0 ? " PRECEDING" : " FOLLOWING");
    sql += "BETWEEN " + start + " AND " + end;
  } else sql += start;
  if ((o & FRAME_EXCLUDE_CURRENT_ROW) != 0) sql += " EXCLUDE CURRENT ROW";
  else if ((o & FRAME_EXCLUDE_GROUP) != 0) sql += " EXCLUDE GROUP";
  else if ((o & FRAME_EXCLUDE_TIES) != 0) sql += " EXCLUDE TIES";
  return sql;
}

function renderList(items: Expr[], ctx: RenderContext): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) out.push(renderExpr(items[i], ctx));
  return out;
}
