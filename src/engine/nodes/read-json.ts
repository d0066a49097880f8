/**
 * @fileoverview Reads libpg-query's JSON parse tree (`{"version":180004,"stmts":[{"stmt":{...},
 * "stmt_location":0,"stmt_len":8}]}`) into the same PNodes the outfuncs reader yields.
 *
 * libpg-query leaves out default values (0, false, null, empty lists), writes enums by name,
 * wraps a List in a node position as `{"List":{"items":[...]}}`, flattens each statement's
 * RawStmt, and writes A_Const's value as `ival`/`fval`/`sval`/`boolval`/`bsval` holding the value
 * node's own fields. Defaults are filled back from the schema so both readers agree.
 */

import { Json, JsonKind } from "../util/json";
import { PNode, PValue } from "./parse-node";
import { FieldKind, FieldSchema, nodeSchema, isEnumMember, fillDefaults } from "./node-schema";
import { TreeReadError, MAX_PARSE_TREE_DEPTH, MAX_NESTING, tooComplexError, malformedError } from "./tree-errors";

/** The result of reading libpg-query JSON: the statements (RawStmt nodes) or an error. */
export class JsonTreeResult {
  statements: PNode[] = [];
  error: TreeReadError | null = null;
  /** The PostgreSQL major of the parser that produced the tree (from `version`). */
  major: i32 = 0;
}

class JsonTreeReader {
  depth: i32 = 0;
  nesting: i32 = 0;
  error: TreeReadError | null = null;

  constructor(public major: i32) {}

  fail(message: string): PValue {
    if (this.error === null) this.error = malformedError(message);
    return PValue.nullValue();
  }

  enter(isNode: bool): bool {
    if (isNode) this.depth++;
    this.nesting++;
    if (this.depth > MAX_PARSE_TREE_DEPTH || this.nesting > MAX_NESTING) {
      if (this.error === null) this.error = tooComplexError();
      return false;
    }
    return true;
  }

  leave(isNode: bool): void {
    if (isNode) this.depth--;
    this.nesting--;
  }

  /** A value in node position: `{"Tag":{...}}`, an array (a List field), or null. */
  nodeValue(json: Json): PValue {
    if (json.kind == JsonKind.Null) return PValue.nullValue();
    if (json.kind == JsonKind.Array) return this.list(json.items);
    // A NULL pointer inside a list (SELECT DISTINCT's distinctClause is a list holding NIL).
    if (json.kind == JsonKind.Object && json.keys.length == 0) return PValue.nullValue();
    if (json.kind != JsonKind.Object || json.keys.length != 1) return this.fail("expected a node object");
    const tag = json.keys[0];
    const body = json.values.get(tag);
    if (body.kind != JsonKind.Object) return this.fail("node " + tag + " is not an object");
    if (isListTag(tag)) return this.list(body.arr("items"));
    return this.node(tag, body);
  }

  list(items: Json[]): PValue {
    if (!this.enter(false)) return PValue.nullValue();
    const values: PValue[] = [];
    for (let i = 0; i < items.length && this.error === null; i++) {
      const item = items[i];
      // A plain node goes to node() directly, not through nodeValue: one frame less per level.
      const tag = item.kind == JsonKind.Object && item.keys.length == 1 ? item.keys[0] : "";
      const plain = tag.length > 0 && !isListTag(tag) && item.values.get(tag).kind == JsonKind.Object;
      values.push(plain ? this.node(tag, item.values.get(tag)) : this.nodeValue(item));
    }
    this.leave(false);
    return PValue.ofList(values);
  }

  /** A node of `tag` whose fields are the members of `body`. */
  node(tag: string, body: Json): PValue {
    if (!this.enter(true)) return PValue.nullValue();
    const node = new PNode(tag);
    const schema = nodeSchema(tag, this.major);
    if (tag == "A_Const") this.aConstValue(node, body);
    for (let i = 0; i < body.keys.length && this.error === null; i++) {
      const name = body.keys[i];
      if (tag == "A_Const" && isAConstValueKey(name)) continue;
      const field: FieldSchema | null = schema === null ? null : schema.field(name);
      const member = body.values.get(name);
      // Node fields descend here, not through a helper: two frames per tree level at most.
      let value: PValue;
      if (field === null || field.kind != FieldKind.Node) value = this.fieldValue(tag, field, member);
      else if (field.typeName.length > 0 && member.kind == JsonKind.Object) {
        value = this.node(field.typeName, member);   // one concrete type: written without its tag
      } else value = this.nodeValue(member);
      node.set(name, value);
    }
    fillDefaults(node, schema, this.major);
    this.leave(true);
    return PValue.ofNode(node);
  }

  /** A_Const's flattened value: `"ival":{"ival":1}` becomes `val` = Integer{ival 1}. */
  aConstValue(node: PNode, body: Json): void {
    let tag = "";
    let key = "";
    if (body.has("ival")) { tag = "Integer"; key = "ival"; }
    else if (body.has("fval")) { tag = "Float"; key = "fval"; }
    else if (body.has("sval")) { tag = "String"; key = "sval"; }
    else if (body.has("boolval")) { tag = "Boolean"; key = "boolval"; }
    else if (body.has("bsval")) { tag = "BitString"; key = "bsval"; }
    const isNull = body.bool("isnull");
    node.set("isnull", PValue.ofBool(isNull));
    if (tag.length == 0) {
      if (!isNull) this.fail("A_Const has neither a value nor isnull");
      node.set("val", PValue.nullValue());
      return;
    }
    const inner = body.get(key);
    if (inner.kind != JsonKind.Object) { this.fail("A_Const value is not an object"); return; }
    node.set("val", this.node(tag, inner));
  }

  /** Converts one scalar member by the kind the schema gives it (by its look when unknown). */
  fieldValue(tag: string, field: FieldSchema | null, json: Json): PValue {
    if (json.kind == JsonKind.Null) return PValue.nullValue();
    if (field === null) return this.guessedValue(json);
    const kind = field.kind;
    if (kind == FieldKind.String || kind == FieldKind.Char) {
      if (json.kind != JsonKind.String) return this.fail(tag + "." + field.name + " is not a string");
      return PValue.ofString(json.text);
    }
    if (kind == FieldKind.Bool) {
      if (json.kind != JsonKind.Bool) return this.fail(tag + "." + field.name + " is not a boolean");
      return PValue.ofBool(json.boolValue);
    }
    if (kind == FieldKind.Float) {
      if (json.kind != JsonKind.String && json.kind != JsonKind.Number) return this.fail(tag + "." + field.name + " is not a number");
      return PValue.ofFloat(json.text);
    }
    if (kind == FieldKind.Enum) {
      if (json.kind != JsonKind.String) return this.fail(tag + "." + field.name + " is not an enum name");
      const name = postgresEnumName(json.text);
      if (!isEnumMember(field.typeName, name, this.major)) {
        return this.fail("\"" + json.text + "\" is not a member of enum " + field.typeName);
      }
      return PValue.ofString(name);
    }
    if (kind == FieldKind.IntArray) {
      if (json.kind != JsonKind.Array) return this.fail(tag + "." + field.name + " is not an array");
      const items: PValue[] = [];
      for (let i = 0; i < json.items.length; i++) {
        const item = json.items[i];
        if (item.kind != JsonKind.Number || !isIntegerText(item.text)) return this.fail(tag + "." + field.name + " holds a non-integer");
        items.push(PValue.ofInt(I64.parseInt(item.text)));
      }
      return PValue.ofList(items);
    }
    if (json.kind != JsonKind.Number || !isIntegerText(json.text)) return this.fail(tag + "." + field.name + " is not an integer");
    return PValue.ofInt(I64.parseInt(json.text));
  }

  /** A member the schema does not know: converted by its JSON kind. */
  guessedValue(json: Json): PValue {
    if (json.kind == JsonKind.Object || json.kind == JsonKind.Array) return this.nodeValue(json);
    if (json.kind == JsonKind.String) return PValue.ofString(json.text);
    if (json.kind == JsonKind.Bool) return PValue.ofBool(json.boolValue);
    return isIntegerText(json.text) ? PValue.ofInt(I64.parseInt(json.text)) : PValue.ofFloat(json.text);
  }

  /** The statements: each `stmts` entry is a flattened RawStmt. */
  statements(root: Json): PNode[] {
    const result: PNode[] = [];
    if (root.kind != JsonKind.Object) { this.fail("the parse tree is not an object"); return result; }
    const stmts = root.get("stmts");
    if (stmts.kind != JsonKind.Array && stmts.kind != JsonKind.Null) { this.fail("stmts is not an array"); return result; }
    for (let i = 0; i < stmts.items.length && this.error === null; i++) {
      const entry = stmts.items[i];
      if (entry.kind != JsonKind.Object) { this.fail("a stmts entry is not an object"); break; }
      const stmt = this.node("RawStmt", entry).asNode();
      if (stmt !== null) result.push(stmt);
    }
    return result;
  }
}

/**
 * libpg-query's own enum members mapped to PostgreSQL's. Its LimitOption has a leading
 * LIMIT_OPTION_DEFAULT (no LIMIT clause) that PostgreSQL dropped: there, no LIMIT is 0, COUNT.
 */
function postgresEnumName(name: string): string {
  if (name == "LIMIT_OPTION_DEFAULT") return "LIMIT_OPTION_COUNT";
  return name;
}

function isListTag(tag: string): bool {
  return tag == "List" || tag == "IntList" || tag == "OidList" || tag == "XidList";
}

function isAConstValueKey(name: string): bool {
  return name == "ival" || name == "fval" || name == "sval" || name == "boolval" || name == "bsval" || name == "isnull";
}

function isIntegerText(text: string): bool {
  let p = 0;
  if (text.length > 0 && text.charCodeAt(0) == 45) p = 1;
  if (p >= text.length || text.length - p > 19) return false;
  for (; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Reads a libpg-query parse result; its `version` (e.g. 180004) selects the schema's major. */
export function readJsonTree(root: Json): JsonTreeResult {
  const version = root.kind == JsonKind.Object ? root.int("version", 0) : 0;
  const major = version > 0 ? version / 10000 : 18;
  const reader = new JsonTreeReader(major);
  const statements = reader.statements(root);
  const result = new JsonTreeResult();
  result.major = major;
  if (reader.error !== null) result.error = reader.error;
  else result.statements = statements;
  return result;
}
