/**
 * @fileoverview The parse-tree entry point: reads the tree a request carries, from whichever
 * front-end produced it, into the engine's one internal form (parse-node.ts).
 *   request.parseTree      outfuncs text from the backend; request.serverVersion (e.g. 180006)
 *                          says which PostgreSQL wrote it
 *   request.parseTreeJson  libpg-query's parse result, embedded as a JSON object
 */

import { Json, JsonKind } from "../util/json";
import { EngineError } from "../errors/engine-error";
import { PNode } from "./parse-node";
import { readOutfuncs } from "./read-outfuncs";
import { readJsonTree } from "./read-json";
import { malformedError } from "./tree-errors";

export { MAX_PARSE_TREE_DEPTH } from "./tree-errors";

/** The statements of a parse tree (RawStmt nodes, in order), or the error that stopped reading. */
export class TreeResult {
  statements: PNode[] = [];
  error: EngineError | null = null;
}

/** The server version a request without `serverVersion` is assumed to come from. */
export const DEFAULT_SERVER_VERSION: i32 = 180000;

/** Reads `request.parseTree` (outfuncs text) or `request.parseTreeJson` (libpg-query JSON). */
export function readParseTree(request: Json): TreeResult {
  const result = new TreeResult();
  const text = request.get("parseTree");
  if (text.kind == JsonKind.String) {
    const version = request.int("serverVersion", DEFAULT_SERVER_VERSION);
    const read = readOutfuncs(text.text, version / 10000);
    result.error = read.error;
    result.statements = read.statements;
    return result;
  }
  const tree = request.get("parseTreeJson");
  if (tree.kind == JsonKind.Object) {
    const read = readJsonTree(tree);
    result.error = read.error;
    result.statements = read.statements;
    return result;
  }
  result.error = malformedError("the request carries neither parseTree (text) nor parseTreeJson (object)");
  return result;
}
