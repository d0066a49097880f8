/**
 * @fileoverview Look-ups into the generated raw-parse-tree schema (pg-enums.ts): which node a
 * label or tag names, which fields it has and of what kind, and enum names by integer value.
 * The tables are static data; decoded entries are cached for the life of the instance.
 */

import {
  NODE_TAGS, NODE_FIELD_SPECS, NODE_LABELS, NODE_LABEL_TAGS, ENUM_TYPES, ENUM_MEMBERS,
} from "./pg-enums";
import { PNode, PValue } from "./parse-node";

/** Field kinds of the schema (the letters of pg-enums.ts). */
export enum FieldKind { Node, String, Char, Bool, Int, Location, Float, IntArray, Enum }

/** The PostgreSQL majors the schema describes; others read with the nearest one. */
export const OLDEST_SCHEMA_MAJOR: i32 = 17;
/** The newest major the schema describes. */
export const NEWEST_SCHEMA_MAJOR: i32 = 18;

/** One field of a node as the given major writes it. */
export class FieldSchema {
  /**
   * `typeName` is the enum type of an Enum field, or for a Node field that points to one concrete
   * node type, that type (libpg-query writes such a field without its `{"Tag": ...}` wrapper).
   */
  constructor(public name: string, public kind: FieldKind, public typeName: string) {}
}

/** The fields of one node type for one major. */
export class NodeSchema {
  fields: FieldSchema[] = [];
  private byName: Map<string, FieldSchema> = new Map<string, FieldSchema>();

  constructor(public tag: string) {}

  /** Adds a field. */
  add(field: FieldSchema): void {
    this.fields.push(field);
    this.byName.set(field.name, field);
  }

  /** The field called `name`, or null when this node has none. */
  field(name: string): FieldSchema | null {
    return this.byName.has(name) ? this.byName.get(name) : null;
  }
}

function findSorted(table: StaticArray<string>, key: string): i32 {
  let low = 0;
  let high = table.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const probe = table[mid];
    if (probe == key) return mid;
    if (probe < key) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** Clamps a major to one the schema describes. */
export function schemaMajor(major: i32): i32 {
  if (major < OLDEST_SCHEMA_MAJOR) return OLDEST_SCHEMA_MAJOR;
  if (major > NEWEST_SCHEMA_MAJOR) return NEWEST_SCHEMA_MAJOR;
  return major;
}

/** The node tag for an outfuncs label (`SELECTSTMT` → `SelectStmt`), or "" when unknown. */
export function tagForLabel(label: string): string {
  const i = findSorted(NODE_LABELS, label);
  return i < 0 ? "" : NODE_LABEL_TAGS[i];
}

const schemaCache = new Map<string, NodeSchema>();

function kindOf(letter: string): FieldKind {
  if (letter == "N") return FieldKind.Node;
  if (letter == "S") return FieldKind.String;
  if (letter == "C") return FieldKind.Char;
  if (letter == "B") return FieldKind.Bool;
  if (letter == "L") return FieldKind.Location;
  if (letter == "F") return FieldKind.Float;
  if (letter == "A") return FieldKind.IntArray;
  if (letter == "E") return FieldKind.Enum;
  return FieldKind.Int;
}

/** The schema of node `tag` as major `major` writes it, or null for a tag the tables lack. */
export function nodeSchema(tag: string, major: i32): NodeSchema | null {
  const m = schemaMajor(major);
  const key = tag + "/" + m.toString();
  if (schemaCache.has(key)) return schemaCache.get(key);
  const i = findSorted(NODE_TAGS, tag);
  if (i < 0) return null;
  const schema = new NodeSchema(tag);
  const spec = NODE_FIELD_SPECS[i];
  const tokens = spec.length == 0 ? new Array<string>(0) : spec.split(" ");
  for (let t = 0; t < tokens.length; t++) {
    let token = tokens[t];
    const slash = token.indexOf("/");
    if (slash >= 0) {
      if (I32.parseInt(token.substring(slash + 1)) != m) continue;
      token = token.substring(0, slash);
    }
    const colon = token.lastIndexOf(":");
    const letter = token.substring(colon + 1, colon + 2);
    schema.add(new FieldSchema(token.substring(0, colon), kindOf(letter), token.substring(colon + 2)));
  }
  schemaCache.set(key, schema);
  return schema;
}

const enumCache = new Map<string, string[]>();

/** Members of `enumType` for `major` as "NAME" or "NAME=value" strings (empty when unknown). */
function enumMembers(enumType: string, major: i32): string[] {
  const key = enumType + "/" + schemaMajor(major).toString();
  if (enumCache.has(key)) return enumCache.get(key);
  let i = findSorted(ENUM_TYPES, key);
  if (i < 0) i = findSorted(ENUM_TYPES, enumType);
  const members = i < 0 ? new Array<string>(0) : ENUM_MEMBERS[i].split(" ");
  enumCache.set(key, members);
  return members;
}

/** The name of member `value` of `enumType` as `major` numbers it, or "" when there is none. */
export function enumName(enumType: string, value: i64, major: i32): string {
  const members = enumMembers(enumType, major);
  for (let i = 0; i < members.length; i++) {
    const member = members[i];
    const eq = member.indexOf("=");
    if (eq < 0) {
      if (<i64>i == value) return member;
    } else if (I64.parseInt(member.substring(eq + 1)) == value) {
      return member.substring(0, eq);
    }
  }
  return "";
}

/** True when `name` is a member of `enumType` in `major`. */
export function isEnumMember(enumType: string, name: string, major: i32): bool {
  const members = enumMembers(enumType, major);
  for (let i = 0; i < members.length; i++) {
    const member = members[i];
    const eq = member.indexOf("=");
    if ((eq < 0 ? member : member.substring(0, eq)) == name) return true;
  }
  return false;
}

/** The value a field has when a front-end leaves it out (the C struct's zero). */
export function defaultValue(field: FieldSchema, major: i32): PValue {
  if (field.kind == FieldKind.Bool) return PValue.ofBool(false);
  if (field.kind == FieldKind.Int || field.kind == FieldKind.Location) return PValue.ofInt(0);
  if (field.kind == FieldKind.Enum) {
    const name = enumName(field.typeName, 0, major);
    return name.length > 0 ? PValue.ofString(name) : PValue.ofInt(0);
  }
  return PValue.nullValue();
}

/** Adds every schema field `node` lacks, with its default, so both front-ends yield one shape. */
export function fillDefaults(node: PNode, schema: NodeSchema | null, major: i32): void {
  if (schema === null) return;
  for (let i = 0; i < schema.fields.length; i++) {
    const field = schema.fields[i];
    if (node.value(field.name) === null) node.set(field.name, defaultValue(field, major));
  }
}
