/** @fileoverview Small conveniences over parse nodes used throughout analysis. */

import { PNode, PValue } from "../nodes/parse-node";

/** The nodes of list field `field` (null entries kept as null). */
export function nodeList(n: PNode, field: string): Array<PNode | null> {
  return valuesAsNodes(n.list(field));
}

/** Converts list values to nodes (null for non-node values). */
export function valuesAsNodes(values: PValue[]): Array<PNode | null> {
  const out = new Array<PNode | null>();
  for (let i = 0; i < values.length; i++) out.push(values[i].asNode());
  return out;
}

/** The `sval`s of a list of String nodes (e.g. a qualified name); other entries become "*". */
export function nameList(n: PNode, field: string): string[] {
  const values = n.list(field);
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i].asNode();
    out.push(v !== null && v.tag == "String" ? v.str("sval") : "*");
  }
  return out;
}

/** The 1-based character position of byte offset `location` in `query` (0 when unknown). */
export function characterPosition(query: string, location: i64): i32 {
  if (location < 0) return 0;
  let bytes: i64 = 0;
  let chars: i32 = 0;
  for (let i = 0; i < query.length && bytes < location; i++) {
    const c = query.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00) { bytes += 4; i++; }
    else bytes += 3;
    chars++;
  }
  return chars + 1;
}
