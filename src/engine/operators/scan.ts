/**
 * @fileoverview Scan of a source relation, and its delta: the change-buffer window.
 *
 * Delta rule: ΔR = R₁ − R₀ is exactly the buffer rows visible in this refresh's snapshot but not
 * in the previous refresh's snapshot (the frontier). An INSERT contributes +new, a DELETE −old,
 * an UPDATE −old +new (captured as a 'D' row then an 'I' row, so `seq` orders them).
 *
 * Visibility: a row is "already consumed" when its writer is visible in the frontier snapshot —
 * except rows written by the very transaction that took the frontier (its own xid is never
 * visible in its own snapshot): those are consumed up to the change sequence value read at
 * that refresh, so changes that transaction makes after refreshing are applied later, once.
 * Rows with xid below the frontier's xmin are visible in it by definition, which lets the
 * buffer's xid index skip everything already consumed.
 *
 * Parameters bound by the shim: $1 frontier snapshot (pg_snapshot text), $2 its xmin,
 * $3 the frontier's own xid (NULL when it had none), $4 the change sequence value it read.
 */

import { quoteIdent } from "../sqlgen/quote";
import { ScanOperator, isDerived } from "../ir/operator-tree";

/** The change buffer of source `oid`. */
export function bufferTable(oid: string): string {
  return "pgtrickle_changes." + quoteIdent("changes_" + oid);
}

/** The predicate selecting the buffer rows of alias `b` inside the current window (TRUNCATE markers included). */
export function windowCondition(b: string): string {
  return b + ".__pgt_xid >= $2::xid8\n  AND NOT (CASE WHEN " + b + ".__pgt_xid = $3::xid8 THEN " + b
    + ".__pgt_seq <= $4::bigint\n           ELSE pg_visible_in_snapshot(" + b + ".__pgt_xid, $1::pg_snapshot) END)";
}

/**
 * Where a delta comes from. A scheduled or manual refresh reads the change-buffer window; an
 * IMMEDIATE stream table's statement trigger reads the statement's transition tables
 * (`__pgt_old`, `__pgt_new`), which hold exactly ΔR of that one statement.
 */
export enum DeltaSource { Buffer, Inserted, Deleted, Updated }

/**
 * SELECT of the signed delta rows of `scan`: __pgt_seq, __pgt_sign (+1/−1) and the captured
 * columns, named as in the source or, when given, as `names` (one per scan column).
 */
export function windowSelect(scan: ScanOperator, source: DeltaSource = DeltaSource.Buffer, names: string[] | null = null): string {
  const renamed = names === null ? scan.columns : names;
  if (source != DeltaSource.Buffer) return transitionSelect(scan, source, renamed);
  const cols: string[] = ["b.__pgt_seq", "CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign"];
  for (let i = 0; i < scan.columns.length; i++) cols.push("b." + quoteIdent(scan.columns[i]) + aliasIfRenamed(scan.columns[i], renamed[i]));
  // With inheritance, ΔR is the union of every member's own changes (each buffer holds one table's rows, by column name).
  const members = scan.members();
  const selects: string[] = [];
  for (let m = 0; m < members.length; m++) {
    selects.push("SELECT " + cols.join(", ") + "\n  FROM " + bufferTable(members[m].oid) + " AS b\n  WHERE "
      + windowCondition("b") + "\n    AND b.__pgt_action <> 'T'");
  }
  return selects.join("\n  UNION ALL\n");
}

function aliasIfRenamed(column: string, name: string): string {
  return column == name ? "" : " AS " + name;
}

/**
 * The delta of one statement from its transition tables. Old images come first (seq 1, sign −1),
 * new images after (seq 2, sign +1): a statement changes each row at most once, so a key has at
 * most one image on each side and "last image per key" is the new one when there is one.
 */
function transitionSelect(scan: ScanOperator, source: DeltaSource, names: string[]): string {
  const cols: string[] = [];
  for (let i = 0; i < scan.columns.length; i++) cols.push("t." + quoteIdent(scan.columns[i]) + aliasIfRenamed(scan.columns[i], names[i]));
  const list = cols.length > 0 ? ", " + cols.join(", ") : "";
  const oldRows = "SELECT 1::bigint AS __pgt_seq, -1 AS __pgt_sign" + list + " FROM __pgt_old AS t";
  const newRows = "SELECT 2::bigint AS __pgt_seq, 1 AS __pgt_sign" + list + " FROM __pgt_new AS t";
  if (source == DeltaSource.Inserted) return newRows;
  if (source == DeltaSource.Deleted) return oldRows;
  return oldRows + "\n  UNION ALL\n" + newRows;
}

/**
 * SELECT of (truncates, changes, source_rows, per_source) for the window over every source buffer
 * the scans read (a table read twice counts once; a grouping subquery's own scans count for it): lets the engine choose the refresh action, and
 * leave out the delta terms of sources without changes. per_source is `oid:changes,...`.
 */
export function probeSelect(scans: ScanOperator[]): string {
  const parts: string[] = [];
  const seen: string[] = [];
  for (let i = 0; i < scans.length; i++) {
    const key = sourceKey(scans[i]);
    if (isDerived(scans[i]) || seen.includes(key)) continue;
    seen.push(key);
    // A scan with inheritance counts the changes and rows of all its members.
    const members = scans[i].members();
    let rows = "(SELECT GREATEST(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = " + key + ")";
    let from = bufferTable(key) + " AS b\nWHERE " + windowCondition("b");
    if (members.length > 1) {
      const oids: string[] = [];
      const windows: string[] = [];
      for (let m = 0; m < members.length; m++) {
        oids.push(members[m].oid);
        windows.push("SELECT b.__pgt_action FROM " + bufferTable(members[m].oid) + " AS b WHERE " + windowCondition("b"));
      }
      rows = "(SELECT sum(GREATEST(c.reltuples, 0))::bigint FROM pg_class c WHERE c.oid IN (" + oids.join(", ") + "))";
      from = "(" + windows.join("\n  UNION ALL ") + ") AS b";
    }
    parts.push("SELECT count(*) FILTER (WHERE b.__pgt_action = 'T') AS truncates, count(*) AS changes,\n"
      + "  " + rows + " AS source_rows, '" + key + "' AS oid\nFROM " + from);
  }
  return "SELECT sum(p.truncates)::bigint AS truncates, sum(p.changes)::bigint AS changes, sum(p.source_rows)::bigint AS source_rows,\n"
    + "  string_agg(p.oid || ':' || p.changes, ',') AS per_source\nFROM (" + parts.join("\nUNION ALL\n") + ") AS p";
}

/**
 * The name under which the probe counts the changes of `scan`, and delta terms name the changes
 * they need (pruneTerms): its source's oid, suffixed `*` when it reads the changes of the tables
 * inheriting from it too.
 */
export function sourceKey(scan: ScanOperator): string {
  return scan.inherits ? scan.source.oid + "*" : scan.source.oid;
}

/** The FROM item reading the source itself in a full refresh (`ONLY` as the query wrote it). */
export function sourceFrom(scan: ScanOperator, alias: string): string {
  return (scan.inh ? "" : "ONLY ") + quoteIdent(scan.source.schema) + "." + quoteIdent(scan.source.name) + " AS " + alias;
}
