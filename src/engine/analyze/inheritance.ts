/**
 * @fileoverview A table scan in an inheritance hierarchy: `FROM t` reads t and every table
 * inheriting from it, `FROM ONLY t` t's own rows (called by analyze/query.ts and
 * analyze/recursive.ts; captured by cdc/buffer.ts, read by operators/scan.ts).
 */

import { RelationInfo } from "./catalog";

/**
 * Readies a table scan read with (`inh`) or without (ONLY) its descendants, or says why it cannot be maintained;
 * null when it can. Each member table is captured on its own, so every one must be a plain table. Uniqueness
 * is not inherited, so a scan over descendants has no key. A DEFERRABLE primary key is dropped too:
 * until it is checked a key can have two rows, so the images of a key in the change buffer do not
 * alternate (an insert of a second row, then a delete of the first), and netting them per key
 * ("the last image wins", operators/project.ts) would lose the row that stays. The table's rows
 * are then identified by their values, as without a key.
 */
export function prepareInheritance(source: RelationInfo, inh: bool): string | null {
  if (inh) {
    for (let i = 0; i < source.descendants.length; i++) {
      const d = source.descendants[i];
      if (d.relkind != "r") return "a table with an inheritance child that is a " + relkindName(d.relkind);
    }
    if (source.descendants.length > 0) source.primaryKey = [];
  }
  if (source.deferrableKey) source.primaryKey = [];
  return null;
}

/** How an error message names a relation kind. */
function relkindName(relkind: string): string {
  return relkind == "f" ? "foreign table" : relkind == "p" ? "partitioned table" : "relation of kind " + relkind;
}
