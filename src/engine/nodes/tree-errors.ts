/**
 * @fileoverview The limits and errors shared by the parse-tree readers.
 */

import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";

/** How many nodes deep a parse tree may nest before it is refused as too complex. */
export const MAX_PARSE_TREE_DEPTH: i32 = 1000;

/**
 * How many nodes and lists together may nest: a node nests one level deeper through a list
 * field, so a tree within MAX_PARSE_TREE_DEPTH stays within this; bare lists of lists cannot run
 * away. The readers recurse at most 2 wasm frames per node level and 1 per list level (checked
 * before each descent), so reading stays within about MAX_NESTING + MAX_PARSE_TREE_DEPTH frames,
 * well inside the C host's frame budget (max_stack_depth / 384 bytes ≈ 5,400 frames at 2 MB).
 */
export const MAX_NESTING: i32 = 2 * MAX_PARSE_TREE_DEPTH + 16;

/** A reader's error: an EngineError value. */
export type TreeReadError = EngineError;

/** The error for a tree nested deeper than MAX_PARSE_TREE_DEPTH (SQLSTATE 54000). */
export function tooComplexError(): EngineError {
  return new EngineError(ErrorCode.QueryTooComplex, "query is too complex")
    .withDetail("The parse tree is nested more than " + MAX_PARSE_TREE_DEPTH.toString() + " levels deep.")
    .withHint("Simplify the query, for example by splitting deeply nested expressions into subqueries or views.");
}

/** The error for a parse tree the engine cannot read (a protocol fault between host and engine). */
export function malformedError(message: string): EngineError {
  return new EngineError(ErrorCode.InternalProtocol, "malformed parse tree: " + message);
}
