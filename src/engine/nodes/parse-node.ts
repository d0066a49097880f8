/**
 * @fileoverview The engine's one form of a PostgreSQL raw parse tree, whichever front-end read it
 * (outfuncs text from the backend, libpg-query JSON in Node).
 *
 * A PNode mirrors one PostgreSQL parse node: `tag` is the C struct name (`SelectStmt`, `A_Expr`,
 * `ColumnRef`, `String`, ...), fields are named as in the C struct. Both readers normalise:
 *   - value nodes: String{sval}, Integer{ival}, Float{fval (text)}, Boolean{boolval},
 *     BitString{bsval}; A_Const{val: value node | null, isnull, location};
 *   - enums are member NAMES (`AEXPR_OP`, `JOIN_LEFT`, `AND_EXPR`), never integers;
 *   - a List in any position is a list value; char fields are one-character strings.
 * Accessors return the field's default when it is absent, so absent and default are the same.
 */

/** The kinds of field value. */
export enum PKind { Null, Node, List, String, Int, Float, Bool }

/** One field value (or list element) of a parse node. */
export class PValue {
  kind: PKind = PKind.Null;
  nodeValue: PNode | null = null;
  items: PValue[] = [];
  /** String contents, an enum member name, a char, or a float's text. */
  text: string = "";
  intValue: i64 = 0;
  boolValue: bool = false;

  /** A null pointer / absent value. */
  static nullValue(): PValue { return new PValue(); }

  /** A node value. */
  static ofNode(node: PNode): PValue {
    const v = new PValue();
    v.kind = PKind.Node;
    v.nodeValue = node;
    return v;
  }

  /** A list value. */
  static ofList(items: PValue[]): PValue {
    const v = new PValue();
    v.kind = PKind.List;
    v.items = items;
    return v;
  }

  /** A string value (also enum names and chars). */
  static ofString(text: string): PValue {
    const v = new PValue();
    v.kind = PKind.String;
    v.text = text;
    return v;
  }

  /** An integer value. */
  static ofInt(value: i64): PValue {
    const v = new PValue();
    v.kind = PKind.Int;
    v.intValue = value;
    return v;
  }

  /** A float kept as its source text (exact, never rounded through f64). */
  static ofFloat(text: string): PValue {
    const v = new PValue();
    v.kind = PKind.Float;
    v.text = text;
    return v;
  }

  /** A boolean value. */
  static ofBool(value: bool): PValue {
    const v = new PValue();
    v.kind = PKind.Bool;
    v.boolValue = value;
    return v;
  }

  /** The node, or null when this is not a node value. */
  asNode(): PNode | null {
    return this.kind == PKind.Node ? this.nodeValue : null;
  }
}

/** One parse node: its tag and named fields. */
export class PNode {
  /** Field names in the order they were read. */
  names: string[] = [];
  private fields: Map<string, PValue> = new Map<string, PValue>();

  constructor(public tag: string) {}

  /** True when the field is present with a non-null value. */
  has(name: string): bool {
    return this.fields.has(name) && this.fields.get(name).kind != PKind.Null;
  }

  /** The raw field value, or null when absent. */
  value(name: string): PValue | null {
    return this.fields.has(name) ? this.fields.get(name) : null;
  }

  /** Sets (or replaces) a field. */
  set(name: string, value: PValue): PNode {
    if (!this.fields.has(name)) this.names.push(name);
    this.fields.set(name, value);
    return this;
  }

  /** The node in field `name`, or null when absent, null, or not a node. */
  node(name: string): PNode | null {
    if (!this.fields.has(name)) return null;
    return this.fields.get(name).asNode();
  }

  /** The list in field `name` (empty when absent or null). */
  list(name: string): PValue[] {
    if (!this.fields.has(name)) return [];
    const v = this.fields.get(name);
    return v.kind == PKind.List ? v.items : [];
  }

  /** The string (or enum name, char, float text) in field `name`; "" when absent or null. */
  str(name: string): string {
    if (!this.fields.has(name)) return "";
    const v = this.fields.get(name);
    return v.kind == PKind.String || v.kind == PKind.Float ? v.text : "";
  }

  /** The integer in field `name`; 0 when absent, except `location` fields, which default to -1. */
  int(name: string): i64 {
    if (this.fields.has(name)) {
      const v = this.fields.get(name);
      if (v.kind == PKind.Int) return v.intValue;
    }
    return isLocationField(name) ? -1 : 0;
  }

  /** The boolean in field `name`; false when absent. */
  bool(name: string): bool {
    if (!this.fields.has(name)) return false;
    const v = this.fields.get(name);
    return v.kind == PKind.Bool && v.boolValue;
  }

  /** True when this node has tag `tag`. */
  is(tag: string): bool {
    return this.tag == tag;
  }
}

/** True for parse-location field names (`location`, `stmt_location`, `rexpr_list_start`, ...). */
export function isLocationField(name: string): bool {
  return name == "location" || name.endsWith("_location") || name.endsWith("_list_start") ||
    name.endsWith("_list_end");
}
