/**
 * @fileoverview LIMIT and OFFSET in a defining query (called by analyze/query.ts and
 * analyze/sublink.ts): the constant values they hold, whether they drop rows, and whether the
 * defining query's top rows can be recomputed (TopK, bounded by pg_trickle.ivm_topk_max_limit).
 */

import { PNode } from "../nodes/parse-node";

/** The integer value of a LIMIT or OFFSET node: -1 for NULL (LIMIT ALL, OFFSET NULL), -2 when it is not an integer constant. */
function limitValue(n: PNode | null): i64 {
  if (n === null) return -1;
  if (n.tag != "A_Const") return -2;
  if (n.bool("isnull")) return -1;
  const v = n.node("val");
  if (v === null) return -1;
  return v.tag == "Integer" && v.int("ival") >= 0 ? v.int("ival") : -2;
}

/** True when `s` has a LIMIT or OFFSET that drops rows: not LIMIT ALL, OFFSET 0 or NULL. */
export function hasLimit(s: PNode): bool {
  const count = s.node("limitCount");
  const offset = s.node("limitOffset");
  return (count !== null && limitValue(count) != -1) || (offset !== null && limitValue(offset) != -1 && limitValue(offset) != 0);
}

/** True when `s` has a LIMIT of an integer constant of at least 1 and no OFFSET but 0: it keeps a first row. */
export function limitKeepsOne(s: PNode): bool {
  const count = limitValue(s.node("limitCount"));
  const offset = limitValue(s.node("limitOffset"));
  return count >= 1 && (offset == -1 || offset == 0);
}

/** The LIMIT node of `s`, else its OFFSET node (for error positions). */
export function limitNode(s: PNode): PNode | null {
  return s.node("limitCount") !== null ? s.node("limitCount") : s.node("limitOffset");
}

/**
 * Why the defining query's LIMIT and OFFSET keep it from being maintained by recomputing its
 * top rows ("" when they do not): both integer constants, their sum at most `maxLimit`.
 */
export function topKReason(s: PNode, maxLimit: i64): string {
  const count = limitValue(s.node("limitCount"));
  const offset = limitValue(s.node("limitOffset"));
  if (count == -2 || offset == -2) return "LIMIT or OFFSET other than an integer constant";
  if (count == -1) return "OFFSET without LIMIT";
  // Without an order the rows kept are whichever the plan reads first: no refresh could match
  // them. LIMIT 0 keeps none.
  if (s.list("sortClause").length == 0 && count != 0) return "LIMIT without ORDER BY";
  if (count + (offset < 0 ? 0 : offset) > maxLimit) return "LIMIT plus OFFSET above pg_trickle.ivm_topk_max_limit (" + maxLimit.toString() + ")";
  return "";
}
