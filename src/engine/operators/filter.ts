/**
 * @fileoverview Filter σₚ.
 *
 * Delta rule: Δ(σₚR) = σₚ(ΔR): the predicate is applied to every delta row, with its own sign.
 * An UPDATE that moves a row across the predicate arrives as −old +new; only the images that
 * satisfy p survive, so it becomes a pure delete or a pure insert. Rows where p is NULL are
 * dropped, exactly as WHERE drops them. Evaluating p on an old image is safe: that image once
 * satisfied (or failed) p in R₀ under the same, non-volatile expression.
 */

import { Expr } from "../ir/expr";
import { renderExpr, RenderContext } from "../sqlgen/render-expression";

/** `WHERE <p>` in `ctx`, or "" without a predicate. */
export function whereClause(predicate: Expr | null, ctx: RenderContext): string {
  if (predicate === null) return "";
  return "\n  WHERE " + renderExpr(predicate, ctx);
}

/** `COALESCE(<p>, false)` in `ctx` (TRUE without a predicate): does a row pass the filter. */
export function passesFilter(predicate: Expr | null, ctx: RenderContext): string {
  if (predicate === null) return "true";
  return "COALESCE(" + renderExpr(predicate, ctx) + ", false)";
}
