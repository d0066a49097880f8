/** @fileoverview Small conveniences over parse nodes used throughout analysis. */

import { PNode, PValue, PKind } from "../nodes/parse-node";

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

/**
 * Where the one statement `raw` (a RawStmt) stands in `query`: its first character and the one
 * after its last, as 0-based character indices, without a trailing semicolon, space or newline.
 */
export function statementRange(query: string, raw: PNode): i32[] {
  const location = raw.int("stmt_location") < 0 ? 0 : raw.int("stmt_location");
  const start = characterPosition(query, location) - 1;
  const length = raw.int("stmt_len");
  let end = length > 0 ? characterPosition(query, location + length) - 1 : query.length;
  while (end > start) {
    const c = query.charCodeAt(end - 1);
    if (c == 59 || c == 32 || c == 10 || c == 13 || c == 9) end--;
    else break;
  }
  return [start, end];
}

/** The leftmost location in the subtree of `n` (where its text starts), else `fallback`. */
export function locationIn(n: PNode | null, fallback: i64): i64 {
  if (n === null) return fallback;
  let best: i64 = -1;
  const stack: PNode[] = [n];
  while (stack.length > 0) {
    const node = stack.pop();
    const own = node.int("location");
    if (own >= 0 && (best < 0 || own < best)) best = own;
    for (let i = 0; i < node.names.length; i++) {
      const v = node.value(node.names[i]);
      if (v === null) continue;
      const child = v.asNode();
      if (child !== null) stack.push(child);
      for (let k = 0; k < v.items.length; k++) {
        const item = v.items[k].asNode();
        if (item !== null) stack.push(item);
      }
    }
  }
  return best >= 0 ? best : fallback;
}

/** PostgreSQL's FigureColname for the expression forms this version binds. */
export function figureColumnName(n: PNode | null): string {
  if (n === null) return "?column?";
  if (n.tag == "ColumnRef") {
    const parts = nameList(n, "fields");
    return parts[parts.length - 1];
  }
  if (n.tag == "FuncCall") {
    const parts = nameList(n, "funcname");
    return parts[parts.length - 1];
  }
  if (n.tag == "TypeCast") {
    const inner = figureColumnName(n.node("arg"));
    if (inner != "?column?") return inner;
    const t = n.node("typeName");
    if (t !== null) {
      const names = nameList(t, "names");
      if (names.length > 0) return names[names.length - 1];
    }
    return "?column?";
  }
  if (n.tag == "CaseExpr") return "case";
  if (n.tag == "CoalesceExpr") return "coalesce";
  if (n.tag == "MinMaxExpr") return n.str("op") == "IS_GREATEST" ? "greatest" : "least";
  if (n.tag == "A_ArrayExpr") return "array";
  if (n.tag == "A_Expr" && n.str("kind") == "AEXPR_NULLIF") return "nullif";
  if (n.tag == "CollateClause") return figureColumnName(n.node("arg"));
  return "?column?";
}

/** True when `root` has a WITH RECURSIVE anywhere: at its top or in any subquery. */
export function hasRecursiveWith(root: PNode): bool {
  const nodes = allNodes(root);
  for (let i = 0; i < nodes.length; i++) if (nodes[i].tag == "WithClause" && nodes[i].bool("recursive")) return true;
  return false;
}

/** Every node of the tree under `root`, in no particular order. */
export function allNodes(root: PNode): PNode[] {
  const out: PNode[] = [];
  const stack: PNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop();
    out.push(n);
    for (let i = 0; i < n.names.length; i++) pushValue(stack, n.value(n.names[i]));
  }
  return out;
}

function pushValue(stack: PNode[], v: PValue | null): void {
  if (v === null) return;
  if (v.kind == PKind.Node) stack.push(changetype<PNode>(v.nodeValue));
  else if (v.kind == PKind.List) for (let i = 0; i < v.items.length; i++) pushValue(stack, v.items[i]);
}

/** The RangeVars under `root` that name a relation, not one of the common table expressions defined there. */
export function relationReferences(root: PNode): PNode[] {
  const nodes = allNodes(root);
  const cteNames: string[] = [];
  for (let i = 0; i < nodes.length; i++) if (nodes[i].tag == "CommonTableExpr") cteNames.push(nodes[i].str("ctename"));
  const out: PNode[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.tag == "RangeVar" && !(n.str("schemaname").length == 0 && cteNames.includes(n.str("relname")))) out.push(n);
  }
  return out;
}

/**
 * True for a SELECT of one row and no FROM — no WHERE, GROUP BY, HAVING, DISTINCT, window,
 * LIMIT or WITH — or VALUES of one row.
 */
export function isOneRow(s: PNode): bool {
  if (isSetOperation(s) || s.list("fromClause").length > 0 || s.node("withClause") !== null || s.node("limitCount") !== null
    || s.node("limitOffset") !== null) return false;
  const values = s.list("valuesLists");
  if (values.length > 0) return values.length == 1;
  return s.node("whereClause") === null && s.list("groupClause").length == 0 && s.node("havingClause") === null
    && s.list("distinctClause").length == 0 && s.list("windowClause").length == 0;
}

/** True for VALUES or a SELECT without FROM. */
export function isConstant(s: PNode): bool {
  return !isSetOperation(s) && (s.list("valuesLists").length > 0 || s.list("fromClause").length == 0);
}

/** True for a set operation (UNION, INTERSECT, EXCEPT) rather than one SELECT. */
export function isSetOperation(s: PNode): bool {
  const op = s.str("op");
  return op.length > 0 && op != "SETOP_NONE";
}
