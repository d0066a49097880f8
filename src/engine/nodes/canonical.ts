/**
 * @fileoverview A deterministic text of the internal parse-tree form, used to prove that the
 * outfuncs and libpg-query front-ends agree, and the engine operation that returns it.
 *
 * Format: `{Tag :field value ...}` with fields sorted by name; lists `(a b)`; strings (and enum
 * names) JSON-quoted; floats `float(text)`; `<>` for a null list element. Fields holding their
 * default (null, false, 0, empty list) are left out, so "absent" and "default" print alike.
 */

import { Json, jsonString } from "../util/json";
import { EngineError, errorResponse, okResponse } from "../errors/engine-error";
import { PKind, PNode, PValue } from "./parse-node";
import { readParseTree } from "./read-tree";
import { nodeSchema } from "./node-schema";

function isDefault(value: PValue): bool {
  const kind = value.kind;
  if (kind == PKind.Null) return true;
  if (kind == PKind.Bool) return !value.boolValue;
  if (kind == PKind.Int) return value.intValue == 0;
  if (kind == PKind.List) return value.items.length == 0;
  return false;
}

function writeValue(value: PValue, out: string[], major: i32): void {
  const kind = value.kind;
  if (kind == PKind.Null) out.push("<>");
  else if (kind == PKind.Node) writeNode(changetype<PNode>(value.nodeValue), out, major);
  else if (kind == PKind.List) {
    out.push("(");
    for (let i = 0; i < value.items.length; i++) {
      if (i > 0) out.push(" ");
      // Nodes directly, not through writeValue: two frames per tree level, as in the readers.
      const item = value.items[i];
      if (item.kind == PKind.Node) writeNode(changetype<PNode>(item.nodeValue), out, major);
      else writeValue(item, out, major);
    }
    out.push(")");
  } else if (kind == PKind.String) out.push(jsonString(value.text));
  else if (kind == PKind.Int) out.push(value.intValue.toString());
  else if (kind == PKind.Float) out.push("float(" + value.text + ")");
  else out.push(value.boolValue ? "true" : "false");
}

function writeNode(node: PNode, out: string[], major: i32): void {
  out.push("{" + node.tag);
  const names = node.names.slice(0);
  names.sort();
  const schema = major > 0 ? nodeSchema(node.tag, major) : null;
  for (let i = 0; i < names.length; i++) {
    const value = changetype<PValue>(node.value(names[i]));
    if (isDefault(value)) continue;
    if (schema !== null && schema.field(names[i]) === null) continue;
    out.push(" :" + names[i] + " ");
    writeValue(value, out, major);
  }
  out.push("}");
}

/**
 * The canonical text of `node` (deterministic; defaults omitted; enums always written). With
 * `asMajor` > 0, fields that PostgreSQL major `asMajor` does not have are left out too, so a tree
 * read by a newer grammar (libpg-query) compares with an older server's.
 */
export function canonicalText(node: PNode, asMajor: i32 = 0): string {
  const out: string[] = [];
  writeNode(node, out, asMajor);
  return out.join("");
}

/** Engine operation "normalize": the canonical text of every statement of the request's tree. */
export function normalizeOperation(request: Json): string {
  const tree = readParseTree(request);
  if (tree.error !== null) return errorResponse(changetype<EngineError>(tree.error));
  const items: string[] = [];
  const asMajor = request.int("asMajor", 0);
  for (let i = 0; i < tree.statements.length; i++) items.push(jsonString(canonicalText(tree.statements[i], asMajor)));
  return okResponse('{"statements":[' + items.join(",") + "]}");
}
