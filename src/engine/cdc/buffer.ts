/**
 * @fileoverview Trigger-based change capture: one change buffer per source table in schema
 * pgtrickle_changes, filled by statement-level AFTER triggers with transition tables.
 *
 * Buffer rows: (__pgt_seq from one shared sequence, __pgt_xid = pg_current_xact_id() of the
 * writer, __pgt_action 'I' | 'D' | 'T', then the captured source columns). An UPDATE is captured
 * as its old rows ('D') followed by its new rows ('I'), two statements so every 'D' of the
 * statement precedes every 'I' in seq order. TRUNCATE writes one 'T' marker, which forces the
 * next refresh of every consumer to be FULL. Only columns some stream table reads are
 * captured, plus the primary key; a new consumer needing more columns widens the buffer.
 *
 * A table in an inheritance hierarchy (it inherits, or others inherit from it) is captured by
 * row-level AFTER triggers instead, without transition tables. A statement fires only the
 * statement triggers of the table it names, and that table's transition tables hold the rows
 * of its descendants as well, converted to its row type: a statement naming an ancestor would
 * escape a descendant's statement triggers, and one naming a parent would mix its children's
 * rows into the parent's buffer. Row triggers fire on the table that holds each row, so every
 * buffer holds exactly its own table's changes (a scan with inheritance reads its members'
 * buffers, operators/scan.ts). An UPDATE is captured row by row ('D' then 'I'); uniqueness
 * checked at each row keeps the images of a key in order, except under a DEFERRABLE key, which
 * a scan of such a table therefore does not use (analyze/inheritance.ts).
 *
 * Every capture also arms the commit-time wake of the database's scheduler
 * (pgtrickle._wake_scheduler), so a committed change is refreshed without waiting for a poll.
 *
 * The capture function is SECURITY DEFINER (owned by the installing superuser, with a fixed
 * search_path) so that writers of a source table need no rights on pgtrickle_changes.
 */

import { RelationInfo } from "../analyze/catalog";
import { quoteIdent, quoteLiteral } from "../sqlgen/quote";
import { bufferTable } from "../operators/scan";
import { Statement } from "../refresh/statement";

/** The capture trigger function of source `oid`. */
export function captureFunction(oid: string): string {
  return "pgtrickle_changes." + quoteIdent("capture_" + oid);
}

/**
 * Statements that make `source`'s buffer capture at least `needed` columns: create buffer,
 * index, function and triggers the first time; afterwards add missing columns and replace the
 * function. `existing` are the columns the buffer already has (null when there is no buffer).
 * `rewrite` replaces the function even when the buffer has every column (a new library's capture).
 */
export function ensureCapture(source: RelationInfo, needed: string[], existing: string[] | null, rewrite: bool = false): Statement[] {
  const out: Statement[] = [];
  const buffer = bufferTable(source.oid);
  const fresh = existing === null;
  const columns = existing === null ? new Array<string>() : existing.slice(0);
  const added: string[] = [];
  for (let i = 0; i < needed.length; i++) {
    if (!columns.includes(needed[i])) { columns.push(needed[i]); added.push(needed[i]); }
  }
  const table = quoteIdent(source.schema) + "." + quoteIdent(source.name);
  if (fresh) {
    const defs: string[] = [
      "__pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq')",
      "__pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id()",
      "__pgt_action \"char\" NOT NULL",
    ];
    for (let i = 0; i < columns.length; i++) defs.push(quoteIdent(columns[i]) + " " + columnType(source, columns[i]));
    out.push(new Statement("CREATE TABLE " + buffer + " (\n  " + defs.join(",\n  ") + "\n)"));
    out.push(new Statement("CREATE INDEX ON " + buffer + " (__pgt_xid)"));
    out.push(new Statement("COMMENT ON TABLE " + buffer + " IS " + quoteLiteral("pg_trickle change buffer of " + table)));
  } else {
    for (let i = 0; i < added.length; i++) {
      out.push(new Statement("ALTER TABLE " + buffer + " ADD COLUMN " + quoteIdent(added[i]) + " " + columnType(source, added[i])));
    }
  }
  const rowLevel = source.inHierarchy;
  // Joining or leaving a hierarchy changes how the table must be captured (its stream tables reinitialize).
  const restyle = !fresh && source.rowCaptured != rowLevel;
  if (fresh || added.length > 0 || rewrite || restyle) out.push(new Statement(captureFunctionSql(source.oid, buffer, columns, rowLevel)));
  const fn = captureFunction(source.oid);
  if (restyle) {
    for (let i = 0; i < CHANGE_EVENTS.length; i++) out.push(new Statement("DROP TRIGGER IF EXISTS pgtrickle_capture_" + CHANGE_EVENTS[i] + " ON " + table));
  }
  if (fresh || restyle) {
    for (let i = 0; i < CHANGE_EVENTS.length; i++) {
      const event = CHANGE_EVENTS[i];
      const transition = rowLevel ? "" : event == "insert" ? " REFERENCING NEW TABLE AS __pgt_new"
        : event == "update" ? " REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new" : " REFERENCING OLD TABLE AS __pgt_old";
      out.push(new Statement("CREATE TRIGGER pgtrickle_capture_" + event + " AFTER " + event.toUpperCase() + " ON " + table
        + transition + " FOR EACH " + (rowLevel ? "ROW" : "STATEMENT") + " EXECUTE FUNCTION " + fn + "()"));
    }
  }
  if (fresh) {
    out.push(new Statement("CREATE TRIGGER pgtrickle_capture_truncate AFTER TRUNCATE ON " + table
      + " FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()"));
  }
  return out;
}

/** The statements whose rows the capture triggers record (TRUNCATE leaves a marker). */
const CHANGE_EVENTS: string[] = ["insert", "update", "delete"];

/** Statements removing the capture of `source` (its last consumer is gone). */
export function dropCapture(sourceOid: string): Statement[] {
  const out: Statement[] = [];
  // Dropping the function CASCADE removes the four triggers with it.
  out.push(new Statement("DROP FUNCTION IF EXISTS " + captureFunction(sourceOid) + "() CASCADE"));
  out.push(new Statement("DROP TABLE IF EXISTS " + bufferTable(sourceOid)));
  return out;
}

function columnType(source: RelationInfo, name: string): string {
  const c = source.column(name);
  return c === null ? "text" : c.type;
}

function captureFunctionSql(oid: string, buffer: string, columns: string[], rowLevel: bool): string {
  const quoted: string[] = [];
  const oldValues: string[] = ["'D'"];
  const newValues: string[] = ["'I'"];
  for (let i = 0; i < columns.length; i++) {
    quoted.push(quoteIdent(columns[i]));
    oldValues.push("OLD." + quoteIdent(columns[i]));
    newValues.push("NEW." + quoteIdent(columns[i]));
  }
  const list = quoted.join(", ");
  const sel = list.length > 0 ? ", " + list : "";
  const into = "INSERT INTO " + buffer + " (__pgt_action" + sel + ") ";
  const header = "CREATE OR REPLACE FUNCTION " + captureFunction(oid) + "() RETURNS trigger\n"
    + "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgt$\nBEGIN\n"
    + "  PERFORM pgtrickle._wake_scheduler();\n";
  const footer = "  ELSE\n    INSERT INTO " + buffer + " (__pgt_action) VALUES ('T');\n  END IF;\n  RETURN NULL;\nEND\n$pgt$";
  if (rowLevel) {
    const oldRow = "VALUES (" + oldValues.join(", ") + ")";
    const newRow = "VALUES (" + newValues.join(", ") + ")";
    return header
      + "  IF TG_OP = 'INSERT' THEN\n    " + into + newRow + ";\n"
      + "  ELSIF TG_OP = 'UPDATE' THEN\n    " + into + oldRow + ";\n    " + into + newRow + ";\n"
      + "  ELSIF TG_OP = 'DELETE' THEN\n    " + into + oldRow + ";\n" + footer;
  }
  const insert = into + "SELECT ";
  return header
    + "  IF TG_OP = 'INSERT' THEN\n    " + insert + "'I'" + sel + " FROM __pgt_new;\n"
    + "  ELSIF TG_OP = 'UPDATE' THEN\n    " + insert + "'D'" + sel + " FROM __pgt_old;\n    " + insert + "'I'" + sel + " FROM __pgt_new;\n"
    + "  ELSIF TG_OP = 'DELETE' THEN\n    " + insert + "'D'" + sel + " FROM __pgt_old;\n" + footer;
}
