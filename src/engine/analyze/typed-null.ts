/**
 * @fileoverview Expressions with their column references as typed NULLs (`NULL::integer`), so
 * that PostgreSQL can name the type of an expression, or resolve a function call, without reading
 * a row (catalog.ts: lookupExpressionType, lookupResultType).
 */

import { ScanOperator, DerivedOperator, isDerived } from "../ir/operator-tree";
import { Expr, ExprKind, ColumnExpr, childExpressions } from "../ir/expr";
import { RenderContext, renderExpr } from "../sqlgen/render-expression";

/**
 * A table's column is a NULL of its type. A derived relation's column is its defining expression,
 * typed the same way, as a scalar subquery (`(SELECT count(*))`), or a NULL of the type its column
 * definition list gives. `unknown` is set when a column's type cannot be told this way (a
 * constant relation's, UNION ALL's, one computed with GROUPING()).
 */
export class TypedNullContext extends RenderContext {
  unknown: bool = false;
  constructor(public scans: ScanOperator[]) { super(); }

  column(c: ColumnExpr): string {
    const scan = this.scans[c.rel];
    if (!isDerived(scan)) {
      const info = scan.source.column(c.column);
      if (info !== null) return "NULL::" + info.type;
      return this.unknownType();
    }
    const d = changetype<DerivedOperator>(scan);
    const at = d.columns.indexOf(c.column);
    if (at >= 0 && at < d.definedTypes.length) return "NULL::" + d.definedTypes[at];
    if (at < 0 || d.queries.length != 1 || at >= d.queries[0].outputs.length) return this.unknownType();
    const e = d.queries[0].outputs[at].expr;
    if (readsGrouping(e)) return this.unknownType();
    const inner = new TypedNullContext(d.queries[0].scans);
    const sql = "(SELECT " + renderExpr(e, inner) + ")";
    if (inner.unknown) this.unknown = true;
    return sql;
  }

  private unknownType(): string {
    this.unknown = true;
    return "NULL";
  }
}

/** True when `e` calls GROUPING(), which means nothing outside its query. */
function readsGrouping(e: Expr): bool {
  if (e.kind == ExprKind.Grouping) return true;
  const children = childExpressions(e);
  for (let i = 0; i < children.length; i++) if (readsGrouping(children[i])) return true;
  return false;
}
