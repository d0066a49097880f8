/**
 * @fileoverview The catalog both test hosts answer from: what PostgreSQL would return for the
 * engine's catalog requests, without a database. Every request kind answered here must also work
 * in the backend, where host.query runs the request's "sql" with the request as $1 (jsonb).
 * Add a case per request kind the engine learns to send.
 */

/** A catalog request as the engine sends it. */
export interface CatalogRequest { kind: string; sql: string; [member: string]: unknown }

/** Answers one catalog request like the first column of the first row (null: no row or NULL). */
export function catalogFixture(request: CatalogRequest): string | null {
  switch (request.kind) {
    // `SELECT $1->>'text'`: the request's own "text" member, or NULL when absent.
    case "echo":
      return typeof request.text === "string" ? request.text : null;
    // A query that finds no row.
    case "none":
      return null;
    default:
      throw new Error(`catalog fixture has no answer for kind ${JSON.stringify(request.kind)}`);
  }
}

/** Builds an echo catalog request: `SELECT $1->>'text'` answers `text` (null when omitted). */
export function echoCatalogRequest(text?: string): string {
  return JSON.stringify({ kind: "echo", sql: "SELECT $1->>'text'", ...(text === undefined ? {} : { text }) });
}
