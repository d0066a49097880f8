/** @fileoverview A small JSON reader and writer: requests, responses and catalog answers are JSON. */

/** The kinds of JSON value. */
export enum JsonKind { Null, Bool, Number, String, Array, Object }

/** One parsed JSON value; numbers keep their source text so 64-bit ids survive exactly. */
export class Json {
  kind: JsonKind = JsonKind.Null;
  boolValue: bool = false;
  text: string = "";           // string contents, or a number's source text
  items: Json[] = [];          // array elements
  keys: string[] = [];         // object keys, in source order
  values: Map<string, Json> = new Map<string, Json>();

  static nullValue(): Json { return new Json(); }

  /** True when this is an object holding `key` with a non-null value. */
  has(key: string): bool {
    return this.kind == JsonKind.Object && this.values.has(key) && this.values.get(key).kind != JsonKind.Null;
  }

  /** The member `key`, or a JSON null when absent. */
  get(key: string): Json {
    if (this.kind != JsonKind.Object || !this.values.has(key)) return Json.nullValue();
    return this.values.get(key);
  }

  /** The member `key` as a string, or `fallback` when absent or null. */
  str(key: string, fallback: string = ""): string {
    const v = this.get(key);
    return v.kind == JsonKind.String || v.kind == JsonKind.Number ? v.text : fallback;
  }

  /** The member `key` as an i32, or `fallback`. */
  int(key: string, fallback: i32 = 0): i32 {
    const v = this.get(key);
    return v.kind == JsonKind.Number ? I32.parseInt(v.text) : fallback;
  }

  /** The member `key` as a bool, or `fallback`. */
  bool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v.kind == JsonKind.Bool ? v.boolValue : fallback;
  }

  /** The member `key` as an array (empty when absent). */
  arr(key: string): Json[] {
    const v = this.get(key);
    return v.kind == JsonKind.Array ? v.items : [];
  }
}

/** Thrown-free parse result: either a value or an error message with its offset. */
export class JsonParse {
  value: Json | null = null;
  error: string = "";
  /** True when the input was rejected for nesting deeper than MAX_JSON_DEPTH. */
  tooDeep: bool = false;
}

const MAX_JSON_DEPTH = 2000;

class JsonReader {
  pos: i32 = 0;
  error: string = "";
  tooDeep: bool = false;
  constructor(public src: string) {}

  fail(msg: string): Json {
    if (this.error.length == 0) this.error = msg + " at offset " + this.pos.toString();
    this.pos = this.src.length;
    return Json.nullValue();
  }

  skipSpace(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c == 32 || c == 9 || c == 10 || c == 13) this.pos++;
      else break;
    }
  }

  value(depth: i32): Json {
    if (depth > MAX_JSON_DEPTH) {
      this.tooDeep = true;
      return this.fail("JSON nested too deeply");
    }
    this.skipSpace();
    if (this.pos >= this.src.length) return this.fail("unexpected end of JSON");
    const c = this.src.charCodeAt(this.pos);
    if (c == 123) return this.object(depth);
    if (c == 91) return this.array(depth);
    if (c == 34) {
      const v = new Json();
      v.kind = JsonKind.String;
      v.text = this.string();
      return v;
    }
    if (this.src.startsWith("true", this.pos)) { this.pos += 4; return jsonBool(true); }
    if (this.src.startsWith("false", this.pos)) { this.pos += 5; return jsonBool(false); }
    if (this.src.startsWith("null", this.pos)) { this.pos += 4; return Json.nullValue(); }
    if (c == 45 || (c >= 48 && c <= 57)) return this.number();
    return this.fail("unexpected character in JSON");
  }

  number(): Json {
    const start = this.pos;
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if ((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69) this.pos++;
      else break;
    }
    const v = new Json();
    v.kind = JsonKind.Number;
    v.text = s.substring(start, this.pos);
    return v;
  }

  string(): string {
    const s = this.src;
    this.pos++; // opening quote
    const parts: string[] = [];
    let start = this.pos;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c == 34) {
        parts.push(s.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c == 92) {
        parts.push(s.substring(start, this.pos));
        this.pos++;
        const e = s.charCodeAt(this.pos);
        this.pos++;
        if (e == 110) parts.push("\n");
        else if (e == 116) parts.push("\t");
        else if (e == 114) parts.push("\r");
        else if (e == 98) parts.push("\b");
        else if (e == 102) parts.push("\f");
        else if (e == 117) {
          const code = I32.parseInt(s.substring(this.pos, this.pos + 4), 16);
          parts.push(String.fromCharCode(code));
          this.pos += 4;
        } else parts.push(String.fromCharCode(e));
        start = this.pos;
        continue;
      }
      this.pos++;
    }
    this.fail("unterminated JSON string");
    return "";
  }

  array(depth: i32): Json {
    const v = new Json();
    v.kind = JsonKind.Array;
    this.pos++;
    this.skipSpace();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 93) { this.pos++; return v; }
    while (this.pos < this.src.length) {
      v.items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.src.charCodeAt(this.pos);
      this.pos++;
      if (c == 93) return v;
      if (c != 44) return this.fail("expected , or ] in JSON array");
    }
    return this.fail("unterminated JSON array");
  }

  object(depth: i32): Json {
    const v = new Json();
    v.kind = JsonKind.Object;
    this.pos++;
    this.skipSpace();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 125) { this.pos++; return v; }
    while (this.pos < this.src.length) {
      this.skipSpace();
      if (this.src.charCodeAt(this.pos) != 34) return this.fail("expected a key in JSON object");
      const key = this.string();
      this.skipSpace();
      if (this.src.charCodeAt(this.pos) != 58) return this.fail("expected : in JSON object");
      this.pos++;
      const member = this.value(depth + 1);
      if (!v.values.has(key)) v.keys.push(key);
      v.values.set(key, member);
      this.skipSpace();
      const c = this.src.charCodeAt(this.pos);
      this.pos++;
      if (c == 125) return v;
      if (c != 44) return this.fail("expected , or } in JSON object");
    }
    return this.fail("unterminated JSON object");
  }
}

function jsonBool(b: bool): Json {
  const v = new Json();
  v.kind = JsonKind.Bool;
  v.boolValue = b;
  return v;
}

/** Parses `src`; on malformed input the result carries an error message instead of a value. */
export function parseJson(src: string): JsonParse {
  const reader = new JsonReader(src);
  const value = reader.value(0);
  reader.skipSpace();
  const result = new JsonParse();
  if (reader.error.length == 0 && reader.pos < src.length) reader.fail("trailing characters after JSON");
  if (reader.error.length > 0) result.error = reader.error;
  else result.value = value;
  result.tooDeep = reader.tooDeep;
  return result;
}

/** Quotes `s` as a JSON string literal. */
export function jsonString(s: string): string {
  const parts: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34 || c == 92 || c < 32) {
      parts.push(s.substring(start, i));
      if (c == 34) parts.push('\\"');
      else if (c == 92) parts.push("\\\\");
      else if (c == 10) parts.push("\\n");
      else if (c == 9) parts.push("\\t");
      else if (c == 13) parts.push("\\r");
      else {
        const hex = c.toString(16);
        parts.push("\\u" + "0000".substring(hex.length) + hex);
      }
      start = i + 1;
    }
  }
  parts.push(s.substring(start));
  parts.push('"');
  return parts.join("");
}

/** Builds a JSON object member by member, keeping insertion order. */
export class JsonObjectWriter {
  private parts: string[] = [];

  /** Adds a string member. */
  str(key: string, value: string): JsonObjectWriter {
    this.parts.push(jsonString(key) + ":" + jsonString(value));
    return this;
  }

  /** Adds a string member, or null when `value` is null. */
  strOrNull(key: string, value: string | null): JsonObjectWriter {
    if (value === null) return this.raw(key, "null");
    return this.str(key, value);
  }

  /** Adds an integer member. */
  int(key: string, value: i64): JsonObjectWriter {
    this.parts.push(jsonString(key) + ":" + value.toString());
    return this;
  }

  /** Adds a boolean member. */
  bool(key: string, value: bool): JsonObjectWriter {
    this.parts.push(jsonString(key) + ":" + (value ? "true" : "false"));
    return this;
  }

  /** Adds a member whose value is already JSON text. */
  raw(key: string, json: string): JsonObjectWriter {
    this.parts.push(jsonString(key) + ":" + json);
    return this;
  }

  /** Adds an array of strings. */
  strings(key: string, values: string[]): JsonObjectWriter {
    const items: string[] = [];
    for (let i = 0; i < values.length; i++) items.push(jsonString(values[i]));
    return this.raw(key, "[" + items.join(",") + "]");
  }

  /** The finished object text. */
  toString(): string {
    return "{" + this.parts.join(",") + "}";
  }
}

/** Joins already-serialised JSON values into an array. */
export function jsonArray(items: string[]): string {
  return "[" + items.join(",") + "]";
}

/** Re-serialises a parsed value (used to pass parts of requests through unchanged). */
export function stringifyJson(v: Json): string {
  switch (v.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return v.boolValue ? "true" : "false";
    case JsonKind.Number: return v.text;
    case JsonKind.String: return jsonString(v.text);
    case JsonKind.Array: {
      const items: string[] = [];
      for (let i = 0; i < v.items.length; i++) items.push(stringifyJson(v.items[i]));
      return jsonArray(items);
    }
    default: {
      const members: string[] = [];
      for (let i = 0; i < v.keys.length; i++) {
        members.push(jsonString(v.keys[i]) + ":" + stringifyJson(v.values.get(v.keys[i])));
      }
      return "{" + members.join(",") + "}";
    }
  }
}
