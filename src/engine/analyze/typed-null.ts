/**
 * @fileoverview Expressions with their column references as typed NULLs (`NULL::integer`), so
 * that PostgreSQL can name the type of an expression, or resolve a function call, without reading
 * a row (catalog.ts: lookupExpressionType, lookupResultType).
 */

import { ScanOperator, DerivedOperator, isDerived } from "../ir/operator-tree";
import { Expr, ExprKind, ColumnExpr, childExpressions } from "../ir/expr";
import { RenderContext, renderExpr } from "../sqlgen/render-expression";
import { lookupExpressionType } from "./catalog";

/**
 * A table's column is a NULL of its type. A derived relation's column is its defining expression,
 * typed the same way, as a scalar subquery (`(SELECT count(*))`; UNION ALL's branches as a
 * union), a constant relation's as its values, or a NULL of the type its column definition list
 * gives. `unknown` is set when a column's type cannot be told this way (one computed with
 * GROUPING()).
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
    if (at < 0) return this.unknownType();
    // A constant relation's column: its values, read as PostgreSQL types them.
    if (d.isConstant) return "(SELECT c." + d.columns[at] + " FROM (" + d.values + ") AS c LIMIT 1)";
    if (d.queries.length == 0 || at >= d.queries[0].outputs.length) return this.unknownType();
    // UNION ALL's: its branches' values, typed as PostgreSQL resolves the union.
    const branches: string[] = [];
    for (let b = 0; b < d.queries.length; b++) {
      const e = d.queries[b].outputs[at].expr;
      if (readsGrouping(e)) return this.unknownType();
      const inner = new TypedNullContext(d.queries[b].scans);
      branches.push("SELECT " + renderExpr(e, inner));
      if (inner.unknown) this.unknown = true;
    }
    return branches.length == 1 ? "(" + branches[0] + ")" : "(SELECT u.x FROM (" + branches.join(" UNION ALL ") + ") AS u (x) LIMIT 1)";
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

/**
 * Types with an equality but no hash function, each followed by the type a row id hashes its
 * values as: one that equal values share (bit strings as their text, money as its amount).
 */
const HASHED_AS = ["bit", "text", "bit varying", "text", "money", "numeric", "tsvector", "text", "tsquery", "text"];

/**
 * Types without an equality that tells identical values (json and xml have none; box and circle
 * compare areas): rows are told apart by such a value's text, which is exact for them.
 */
const COMPARED_AS_TEXT = ["json", "xml", "point", "lseg", "box", "path", "polygon", "line", "circle"];

/**
 * The type of `e` over `scans` (regtype text), or null when it cannot be told. A table's column
 * is typed from the catalog, anything else by asking PostgreSQL (one question per call).
 */
export function typeOf(e: Expr, scans: ScanOperator[]): string | null {
  if (e.kind == ExprKind.Column && !isDerived(scans[(e as ColumnExpr).rel])) {
    const info = scans[(e as ColumnExpr).rel].source.column((e as ColumnExpr).column);
    return info !== null ? info.type : null;
  }
  const typed = new TypedNullContext(scans);
  const text = renderExpr(e, typed);
  return typed.unknown ? null : lookupExpressionType(text);
}

/** `type` without its modifiers and array brackets: bit for `bit(3)[]`. */
function baseType(type: string): string {
  let t = type.endsWith("[]") ? type.substring(0, type.length - 2) : type;
  if (t.indexOf("(") > 0) t = t.substring(0, t.indexOf("("));
  return t;
}

/**
 * The type a row id hashes a value of `type` (see typeOf) as, when its own type has no hash
 * function (`text` for a bit string or a json value, or an array of them); "" otherwise, and
 * for null.
 */
export function hashCastOf(type: string | null): string {
  if (type === null) return "";
  const t = baseType(changetype<string>(type));
  const array = changetype<string>(type).endsWith("[]");
  if (COMPARED_AS_TEXT.includes(t)) return "text";
  for (let i = 0; i < HASHED_AS.length; i += 2) {
    if (HASHED_AS[i] == t) return array ? "text" : HASHED_AS[i + 1];
  }
  return "";
}

/** The type a row id hashes the value of `e` over `scans` as (see hashCastOf). */
export function hashCast(e: Expr, scans: ScanOperator[]): string {
  return hashCastOf(typeOf(e, scans));
}

/** True when rows are told apart by the text of a value of `type` (COMPARED_AS_TEXT, or an array of one). */
export function comparedAsText(type: string | null): bool {
  return type !== null && COMPARED_AS_TEXT.includes(baseType(changetype<string>(type)));
}
