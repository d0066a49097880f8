/** @fileoverview The host's imports: read-only catalog queries and logging. Nothing else leaves the engine. */

// The host runs a read-only query described by a JSON request and keeps its answer; the engine
// then allocates exactly that many bytes and asks for a copy. The host never allocates in
// engine memory and never calls back into the engine.
@external("host", "query")
declare function hostQuery(requestPtr: usize, requestLen: i32): i32;
@external("host", "queryResult")
declare function hostQueryResult(destPtr: usize): void;
@external("host", "log")
declare function hostLog(level: i32, messagePtr: usize, messageLen: i32): void;

/** Log levels understood by the host (mapped to DEBUG1, LOG, NOTICE, WARNING in the backend). */
export enum LogLevel { Debug = 0, Log = 1, Notice = 2, Warning = 3 }

/**
 * Runs a catalog query. `request` is JSON `{"kind": ..., "sql": ..., "params": [...]}`; the
 * answer is the text of the first column of the first row, or null when there is no row or it
 * is SQL NULL. `kind` names the question so that a test host can answer without SQL.
 */
export function hostCatalogQuery(request: string): string | null {
  const req = String.UTF8.encode(request);
  const n = hostQuery(changetype<usize>(req), req.byteLength);
  if (n < 0) return null;
  const answer = new ArrayBuffer(n);
  hostQueryResult(changetype<usize>(answer));
  return String.UTF8.decode(answer);
}

/** Sends a message to the host's log. */
export function hostMessage(level: LogLevel, message: string): void {
  const buf = String.UTF8.encode(message);
  hostLog(level, changetype<usize>(buf), buf.byteLength);
}
