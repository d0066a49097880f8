/** @fileoverview SQL pieces shared by the operators' maintenance plans. */

import { Statement, Counting } from "../refresh/statement";

/**
 * The `__pgt_row_id` of a row identified by `keys`: a 64-bit hash consistent with equality
 * (hash_record_extended uses each type's hash opclass, so 1.0 and 1.00 hash alike). It only
 * narrows an index lookup; the identity columns themselves decide every match. `casts`: the
 * type to hash each key as, when its own has no hash function ("" for none; see hashCast).
 */
export function rowIdOf(keys: string[], casts: string[] = []): string {
  if (keys.length == 0) return "0::bigint";
  const values: string[] = [];
  for (let i = 0; i < keys.length; i++) values.push(i < casts.length && casts[i].length > 0 ? "(" + keys[i] + ")::" + casts[i] : keys[i]);
  return "hash_record_extended(ROW(" + values.join(", ") + "), 0)";
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

/**
 * For IMMEDIATE maintenance: a statement that takes a transaction-level advisory lock on every
 * stream-table row its delta (`__pgt_d`, defined by `withSql`) touches, keyed ($1 = pgt_id, hash
 * of the row id), in key order so that two writers never wait for each other in a cycle. It
 * returns the number of locks and the row ids, which a REPEATABLE READ writer checks for changes
 * it cannot see. Only stream-table rows are locked, never the whole table.
 */
export function lockDeltaRows(withSql: string): string {
  return withSql + "\nSELECT (SELECT count(pg_advisory_xact_lock($1::int4, k.h))\n"
    + "          FROM (SELECT DISTINCT hashint8(d.__pgt_row_id) AS h FROM __pgt_d AS d ORDER BY 1) AS k),\n"
    + "       (SELECT array_agg(DISTINCT d.__pgt_row_id) FROM __pgt_d AS d)";
}
