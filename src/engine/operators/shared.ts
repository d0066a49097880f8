/** @fileoverview SQL pieces shared by the operators' maintenance plans. */

import { Statement, Counting } from "../refresh/statement";

/**
 * The `__pgt_row_id` of a row identified by `keys`: a 64-bit hash consistent with equality
 * (hash_record_extended uses each type's hash opclass, so 1.0 and 1.00 hash alike). It only
 * narrows an index lookup; the identity columns themselves decide every match.
 */
export function rowIdOf(keys: string[]): string {
  if (keys.length == 0) return "0::bigint";
  return "hash_record_extended(ROW(" + keys.join(", ") + "), 0)";
}

/**
 * A MERGE preceded by the CTEs in `withSql`. From PostgreSQL 17 on the MERGE runs inside a CTE
 * with RETURNING merge_action() so the statement reports (inserted, deleted) rows, an UPDATE
 * counting as both; PostgreSQL 16 has neither, and the counts are not recorded.
 */
export function mergeCounts(withSql: string, merge: string, returning: bool): Statement {
  if (!returning) return new Statement(withSql + "\n" + merge, Counting.None);
  return new Statement(withSql + ",\n__pgt_m AS (\n" + merge + "\nRETURNING merge_action() AS action\n)\n"
    + "SELECT count(*) FILTER (WHERE action <> 'DELETE'), count(*) FILTER (WHERE action <> 'INSERT') FROM __pgt_m",
    Counting.Returned);
}
