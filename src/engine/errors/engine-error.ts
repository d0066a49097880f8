/** @fileoverview Errors as values: a user's mistake becomes a response, never a trap. */

import { ErrorCode, errorSqlstate, errorName, errorCategory } from "./codes.generated";
import { JsonObjectWriter } from "../util/json";

/** An error the engine reports to its host, who raises it with ereport(). */
export class EngineError {
  detail: string | null = null;
  hint: string | null = null;
  /** 1-based character position in the defining query, or 0 when there is none. */
  position: i32 = 0;

  constructor(public code: ErrorCode, public message: string) {}

  /** Sets the DETAIL (a full sentence). */
  withDetail(detail: string): EngineError { this.detail = detail; return this; }
  /** Sets the HINT (a full sentence). */
  withHint(hint: string): EngineError { this.hint = hint; return this; }
  /** Sets the 1-based position in the query. */
  at(position: i32): EngineError { this.position = position; return this; }

  /** The error as a JSON object. */
  toJson(): string {
    return new JsonObjectWriter()
      .str("code", errorName(this.code))
      .str("sqlstate", errorSqlstate(this.code))
      .str("category", errorCategory(this.code))
      .str("message", this.message)
      .strOrNull("detail", this.detail)
      .strOrNull("hint", this.hint)
      .int("position", this.position)
      .toString();
  }
}

/** `{"ok":false,"error":{...}}`. */
export function errorResponse(error: EngineError): string {
  return '{"ok":false,"error":' + error.toJson() + "}";
}

/** `{"ok":true,"result":<resultJson>}`. */
export function okResponse(resultJson: string): string {
  return '{"ok":true,"result":' + resultJson + "}";
}
