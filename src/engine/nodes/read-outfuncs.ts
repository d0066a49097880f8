/**
 * @fileoverview Reads PostgreSQL's outfuncs text (`nodeToStringWithLocations(raw_parser(sql))`,
 * as the backend hands it over) into PNodes.
 *
 * Tokenising follows src/backend/nodes/read.c (pg_strtok, debackslash, nodeTokenType). Field
 * values are read by the kind the generated schema gives the field, as readfuncs.c does, because
 * the text alone is ambiguous (a char* field holding `true` or `b1` is written bare). Enums
 * arrive as integers and become member names; A_Expr, A_Const and BoolExpr have the hand-written
 * forms of outfuncs.c. Malformed text is an error value, never a trap.
 */

import { PNode, PValue, PKind } from "./parse-node";
import {
  FieldKind, FieldSchema, nodeSchema, tagForLabel, enumName, fillDefaults,
} from "./node-schema";
import { TreeReadError, MAX_PARSE_TREE_DEPTH, MAX_NESTING, tooComplexError, malformedError } from "./tree-errors";

const NULL_TOKEN: i32 = 0;      // `<>`
const OPEN_PAREN: i32 = 1;
const CLOSE_PAREN: i32 = 2;
const OPEN_BRACE: i32 = 3;
const CLOSE_BRACE: i32 = 4;
const WORD: i32 = 5;            // any other token
const END: i32 = 6;

/** The result of reading outfuncs text: the statements (RawStmt nodes) or an error. */
export class OutfuncsResult {
  statements: PNode[] = [];
  error: TreeReadError | null = null;
}

class OutfuncsReader {
  pos: i32 = 0;
  tokenType: i32 = END;
  tokenStart: i32 = 0;
  tokenEnd: i32 = 0;
  depth: i32 = 0;
  nesting: i32 = 0;
  error: TreeReadError | null = null;

  constructor(public src: string, public major: i32) {}

  fail(message: string): void {
    if (this.error === null) this.error = malformedError(message + " at offset " + this.tokenStart.toString());
  }

  /** Advances to the next token (pg_strtok). */
  next(): void {
    const s = this.src;
    let p = this.pos;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c == 32 || c == 10 || c == 9 || c == 13) p++;
      else break;
    }
    this.tokenStart = p;
    if (p >= s.length) {
      this.tokenType = END;
      this.tokenEnd = p;
      this.pos = p;
      return;
    }
    const c = s.charCodeAt(p);
    if (c == 40 || c == 41 || c == 123 || c == 125) {
      this.tokenType = c == 40 ? OPEN_PAREN : c == 41 ? CLOSE_PAREN : c == 123 ? OPEN_BRACE : CLOSE_BRACE;
      this.tokenEnd = p + 1;
      this.pos = p + 1;
      return;
    }
    while (p < s.length) {
      const d = s.charCodeAt(p);
      if (d == 32 || d == 10 || d == 9 || d == 13 || d == 40 || d == 41 || d == 123 || d == 125) break;
      p += d == 92 && p + 1 < s.length ? 2 : 1;
    }
    this.tokenEnd = p;
    this.pos = p;
    const isNull = p - this.tokenStart == 2 && c == 60 && s.charCodeAt(this.tokenStart + 1) == 62;
    this.tokenType = isNull ? NULL_TOKEN : WORD;
  }

  token(): string {
    return this.src.substring(this.tokenStart, this.tokenEnd);
  }

  /** The current token with protective backslashes removed (debackslash). */
  plainToken(from: i32, to: i32): string {
    const s = this.src;
    let hasBackslash = false;
    for (let p = from; p < to; p++) {
      if (s.charCodeAt(p) == 92) { hasBackslash = true; break; }
    }
    if (!hasBackslash) return s.substring(from, to);
    const parts: string[] = [];
    let start = from;
    let p = from;
    while (p < to) {
      if (s.charCodeAt(p) == 92 && p + 1 < to) {
        parts.push(s.substring(start, p));
        start = p + 1;
        p += 2;
      } else p++;
    }
    parts.push(s.substring(start, to));
    return parts.join("");
  }

  /** Reads the whole input: a list of RawStmt nodes. */
  statements(): PNode[] {
    const result: PNode[] = [];
    this.next();
    if (this.tokenType == NULL_TOKEN) return result;   // an empty query string gives NIL
    const list = this.nodeValue();
    if (this.error !== null) return result;
    this.next();
    if (this.tokenType != END) this.fail("trailing text after the parse tree");
    if (list.kind != PKind.List) this.fail("the parse tree is not a list of statements");
    if (this.error !== null) return result;
    for (let i = 0; i < list.items.length; i++) {
      const stmt = list.items[i].asNode();
      if (stmt === null || stmt.tag != "RawStmt") {
        this.fail("the parse tree holds something other than RawStmt nodes");
        return result;
      }
      result.push(stmt);
    }
    return result;
  }

  /** Reads one value in node context (nodeRead) starting at the current token. */
  nodeValue(): PValue {
    const type = this.tokenType;
    if (type == NULL_TOKEN) return PValue.nullValue();
    if (type == OPEN_BRACE) return this.node();
    if (type == OPEN_PAREN) return this.list();
    if (type != WORD) {
      this.fail("unexpected " + (type == END ? "end of parse tree" : "'" + this.token() + "'"));
      return PValue.nullValue();
    }
    const s = this.src;
    const start = this.tokenStart;
    const end = this.tokenEnd;
    const c = s.charCodeAt(start);
    if (looksNumeric(s, start, end)) {
      const text = s.substring(start, end);
      return isInt32(text) ? valueNode("Integer", "ival", PValue.ofInt(I64.parseInt(text)))
        : valueNode("Float", "fval", PValue.ofFloat(text));
    }
    const text = s.substring(start, end);
    if (text == "true" || text == "false") return valueNode("Boolean", "boolval", PValue.ofBool(text == "true"));
    if (c == 34 && end - start > 1 && s.charCodeAt(end - 1) == 34) {
      return valueNode("String", "sval", PValue.ofString(this.plainToken(start + 1, end - 1)));
    }
    if (c == 98 || c == 120) return valueNode("BitString", "bsval", PValue.ofString(this.plainToken(start, end)));
    this.fail("unrecognized token \"" + text + "\"");
    return PValue.nullValue();
  }

  /** Reads `( ... )`: a node list, or an integer/OID/XID list, or a bitmapset. */
  list(): PValue {
    this.nesting++;
    if (this.nesting > MAX_NESTING) {
      if (this.error === null) this.error = tooComplexError();
      return PValue.nullValue();
    }
    const items: PValue[] = [];
    this.next();
    const first = this.token();
    const numeric = this.tokenType == WORD && (first == "i" || first == "o" || first == "x" || first == "b");
    if (numeric) this.next();
    while (this.error === null) {
      if (this.tokenType == CLOSE_PAREN) break;
      if (this.tokenType == END) { this.fail("unterminated list"); break; }
      if (numeric) {
        const text = this.token();
        if (!isInteger(text)) { this.fail("unrecognized integer \"" + text + "\""); break; }
        items.push(first == "b" ? PValue.ofInt(I64.parseInt(text))
          : valueNode("Integer", "ival", PValue.ofInt(I64.parseInt(text))));
      } else if (this.tokenType == OPEN_BRACE) {
        items.push(this.node());       // directly, not through nodeValue: one frame less per level
      } else if (this.tokenType == OPEN_PAREN) {
        items.push(this.list());
      } else {
        items.push(this.nodeValue());
      }
      this.next();
    }
    this.nesting--;
    return PValue.ofList(items);
  }

  /** Reads `{LABEL :field value ...}`; the current token is `{`. */
  node(): PValue {
    this.depth++;
    this.nesting++;
    if (this.depth > MAX_PARSE_TREE_DEPTH || this.nesting > MAX_NESTING) {
      if (this.error === null) this.error = tooComplexError();
      return PValue.nullValue();
    }
    this.next();
    if (this.tokenType != WORD) { this.fail("expected a node label"); return PValue.nullValue(); }
    const label = this.token();
    const known = tagForLabel(label);
    const tag = known.length > 0 ? known : label;
    const node = new PNode(tag);
    const schema = nodeSchema(tag, this.major);
    this.next();
    if (tag == "A_Expr") this.aExprKind(node);
    if (tag == "A_Const" && this.tokenType == WORD && this.token() == "NULL") {
      node.set("isnull", PValue.ofBool(true));
      this.next();
    }
    while (this.error === null && this.tokenType != CLOSE_BRACE) {
      if (this.tokenType != WORD || this.src.charCodeAt(this.tokenStart) != 58) {
        this.fail("expected a :field in " + label);
        break;
      }
      const name = this.src.substring(this.tokenStart + 1, this.tokenEnd);
      this.next();
      const field: FieldSchema | null = schema === null ? null : schema.field(name);
      // Node fields descend through nodeValue directly (one frame less per level than fieldValue).
      const descends = field === null ? this.tokenType != WORD : field.kind == FieldKind.Node;
      node.set(name, descends ? this.nodeValue() : this.fieldValue(node, field));
      this.next();
    }
    if (tag == "A_Const" && node.value("isnull") === null) node.set("isnull", PValue.ofBool(false));
    fillDefaults(node, schema, this.major);
    this.depth--;
    this.nesting--;
    return PValue.ofNode(node);
  }

  /** A_Expr writes its kind as a bare word after the label (none for AEXPR_OP). */
  aExprKind(node: PNode): void {
    let kind = "AEXPR_OP";
    if (this.tokenType == WORD && this.src.charCodeAt(this.tokenStart) != 58) {
      const word = this.token();
      kind = word == "ANY" || word == "ALL" ? "AEXPR_OP_" + word : "AEXPR_" + word;
      if (!isAExprKind(kind, this.major)) {
        this.fail("unrecognized A_Expr kind \"" + word + "\"");
      }
      this.next();
    }
    node.set("kind", PValue.ofString(kind));
  }

  /** Reads the value of one scalar `:field` by the kind the schema gives it. */
  fieldValue(node: PNode, field: FieldSchema | null): PValue {
    if (field === null) return this.guessedValue();
    const kind = field.kind;
    if (this.tokenType == OPEN_PAREN && kind == FieldKind.IntArray) return this.list();
    if (this.tokenType == NULL_TOKEN) return PValue.nullValue();
    if (this.tokenType != WORD) {
      this.fail("unexpected '" + this.token() + "' as the value of :" + field.name);
      return PValue.nullValue();
    }
    const text = this.token();
    if (kind == FieldKind.String) {
      if (text == "\"\"") return PValue.ofString("");
      return PValue.ofString(this.plainToken(this.tokenStart, this.tokenEnd));
    }
    if (kind == FieldKind.Char) {
      return PValue.ofString(text.charCodeAt(0) == 92 && text.length > 1 ? text.substring(1, 2) : text.substring(0, 1));
    }
    if (kind == FieldKind.Bool) {
      if (text != "true" && text != "false") this.fail("expected true or false for :" + field.name);
      return PValue.ofBool(text == "true");
    }
    if (kind == FieldKind.Float) return PValue.ofFloat(text);
    if (kind == FieldKind.Enum && node.tag == "BoolExpr" && field.name == "boolop") {
      if (text == "and" || text == "or" || text == "not") return PValue.ofString(text.toUpperCase() + "_EXPR");
      this.fail("unrecognized boolop \"" + text + "\"");
      return PValue.nullValue();
    }
    if (!isInteger(text)) {
      this.fail("expected an integer for :" + field.name);
      return PValue.nullValue();
    }
    const value = I64.parseInt(text);
    if (kind != FieldKind.Enum) return PValue.ofInt(value);
    const name = enumName(field.typeName, value, this.major);
    if (name.length == 0) this.fail("value " + text + " is not a member of enum " + field.typeName);
    return PValue.ofString(name);
  }

  /** A scalar field the schema does not know (another major): read it by its look. */
  guessedValue(): PValue {
    const text = this.token();
    if (text == "true" || text == "false") return PValue.ofBool(text == "true");
    if (isInteger(text)) return PValue.ofInt(I64.parseInt(text));
    if (text == "\"\"") return PValue.ofString("");
    if (text.charCodeAt(0) == 34) return this.nodeValue();
    return PValue.ofString(this.plainToken(this.tokenStart, this.tokenEnd));
  }
}

function isAExprKind(kind: string, major: i32): bool {
  for (let i = 0; i < 32; i++) {
    const name = enumName("A_Expr_Kind", i, major);
    if (name.length == 0) return false;
    if (name == kind) return true;
  }
  return false;
}

/** A value node (String, Integer, ...) holding one field. */
function valueNode(tag: string, field: string, value: PValue): PValue {
  return PValue.ofNode(new PNode(tag).set(field, value));
}

/** nodeTokenType's number test: optional sign, then a digit or `.` followed by a digit. */
function looksNumeric(s: string, start: i32, end: i32): bool {
  let p = start;
  const c = s.charCodeAt(p);
  if (c == 43 || c == 45) p++;
  if (p >= end) return false;
  const d = s.charCodeAt(p);
  if (d >= 48 && d <= 57) return true;
  return d == 46 && p + 1 < end && s.charCodeAt(p + 1) >= 48 && s.charCodeAt(p + 1) <= 57;
}

/** True for an optionally signed run of decimal digits. */
function isInteger(text: string): bool {
  let p = 0;
  if (text.length > 0 && (text.charCodeAt(0) == 45 || text.charCodeAt(0) == 43)) p = 1;
  if (p >= text.length || text.length - p > 19) return false;
  for (; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * nodeTokenType's Integer test: strtoint on the digits after any sign must consume them all
 * without overflow, so the magnitude must fit int32 (`-2147483648` reads back as a Float, as the
 * raw parser made it one: it negates the Float 2147483648).
 */
function isInt32(text: string): bool {
  if (!isInteger(text) || text.length > 11) return false;
  const c = text.charCodeAt(0);
  const digits = c == 45 || c == 43 ? text.substring(1) : text;
  return digits.length <= 10 && I64.parseInt(digits) <= 2147483647;
}

/** Reads outfuncs text written by PostgreSQL `major` into its RawStmt nodes. */
export function readOutfuncs(text: string, major: i32): OutfuncsResult {
  const reader = new OutfuncsReader(text, major);
  const statements = reader.statements();
  const result = new OutfuncsResult();
  if (reader.error !== null) result.error = reader.error;
  else result.statements = statements;
  return result;
}
