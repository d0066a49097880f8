/** @fileoverview The units the engine hands the shim: SQL statements and how to count their effect. */

import { JsonObjectWriter, jsonArray } from "../util/json";

/** How the shim turns a statement's result into history counts. */
export enum Counting {
  /** The statement's effect is not counted. */
  None,
  /** SPI_processed is the number of rows inserted. */
  Inserted,
  /** The statement returns one row: (inserted, deleted) counts. */
  Returned,
  /** SPI_processed is the number of rows deleted. */
  Deleted,
}

/** One SQL statement to run; refresh statements may use the frontier parameters $1..$4. */
export class Statement {
  constructor(public readonly sql: string, public readonly counting: Counting = Counting.None) {}

  /** `{"sql": ..., "counting": "none"|"inserted"|"returned"|"deleted"}`. */
  toJson(): string {
    const counting = this.counting == Counting.Inserted ? "inserted" : this.counting == Counting.Returned ? "returned"
      : this.counting == Counting.Deleted ? "deleted" : "none";
    return new JsonObjectWriter().str("sql", this.sql).str("counting", counting).toString();
  }
}

/** A JSON array of statements. */
export function statementsJson(statements: Statement[]): string {
  const items: string[] = [];
  for (let i = 0; i < statements.length; i++) items.push(statements[i].toJson());
  return jsonArray(items);
}

/** What maintaining one stream table needs: its storage columns, the full query, the delta program. */
export class MaintenancePlan {
  /** Storage columns in table order: visible columns first, then hidden `__pgt_*` ones. */
  columns: string[] = [];
  /** A SELECT producing every storage column (by name) from the sources: FULL refresh and the storage DDL. */
  fullSelect: string = "";
  /** The DIFFERENTIAL refresh statements (parameters $1..$4 are the previous frontier). */
  differential: Statement[] = [];
  /** IMMEDIATE only: the statement locking the rows the delta touches (see lockDeltaRows), "" when none is needed. */
  lock: string = "";
}
