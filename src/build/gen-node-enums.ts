/**
 * @fileoverview Derives the raw-parse-tree schema the engine's parse-tree readers need from
 * PostgreSQL's own sources, and writes `src/engine/nodes/pg-enums.ts`:
 *   - every node of nodes/parsenodes.h and nodes/primnodes.h with its outfuncs label and the kind
 *     of each field outfuncs writes (taken from the outfuncs.funcs.c that PostgreSQL's own
 *     gen_node_support.pl generates from the headers, plus the hand-written A_Expr, A_Const and
 *     BoolExpr writers of outfuncs.c);
 *   - every enum those fields use, member names with their integer values (outfuncs writes enums
 *     as integers, libpg-query as names).
 * Where PostgreSQL 17 and 18 differ, the entry is written once per major version.
 *
 * The output is committed (CI has no PostgreSQL sources before provisioning); this script is run
 * by `buildEngine` when sources are present and leaves the file alone otherwise.
 *   npx tsx src/build/gen-node-enums.ts [postgresql-17.x-dir postgresql-18.x-dir]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The majors whose sources the tables are derived from. */
export const SCHEMA_MAJORS = [17, 18];

const OUTPUT = "src/engine/nodes/pg-enums.ts";

/** One field as outfuncs writes it: its name and kind letter (see pg-enums.ts header). */
interface FieldSpec { name: string; kind: string }

/** What one PostgreSQL source tree says. */
interface VersionSchema {
  major: number;
  version: string;
  nodes: Map<string, { label: string; fields: FieldSpec[] }>;
  enums: Map<string, Array<[string, number]>>;
}

const MACRO_KINDS: Record<string, string> = {
  NODE: "N", STRING: "S", CHAR: "C", BOOL: "B", FLOAT: "F", LOCATION: "L",
  INT: "I", UINT: "I", OID: "I", LONG: "I", INT64: "I", UINT64: "I",
  BITMAPSET: "A", ATTRNUMBER_ARRAY: "A", OID_ARRAY: "A", INDEX_ARRAY: "A", INT_ARRAY: "A",
  BOOL_ARRAY: "A", NODE_ARRAY: "N",
};

/** Fields the hand-written writers of outfuncs.c encode specially (not as `:field value`). */
const CUSTOM_EXTRA: Record<string, FieldSpec[]> = {
  A_Expr: [{ name: "kind", kind: "EA_Expr_Kind" }],
  A_Const: [{ name: "isnull", kind: "B" }, { name: "val", kind: "N" }],
  BoolExpr: [{ name: "boolop", kind: "EBoolExprType" }],
};

/** The value nodes of value.h, written bare by outfuncs; listed so both readers agree on them. */
const VALUE_NODES: Record<string, FieldSpec[]> = {
  Integer: [{ name: "ival", kind: "I" }],
  Float: [{ name: "fval", kind: "F" }],
  Boolean: [{ name: "boolval", kind: "B" }],
  String: [{ name: "sval", kind: "S" }],
  BitString: [{ name: "bsval", kind: "S" }],
};

function writeMacros(body: string): FieldSpec[] {
  const fields: FieldSpec[] = [];
  const re = /WRITE_([A-Z0-9_]+?)(?:_FIELD)?\(([A-Za-z0-9_.]+)(?:,\s*([A-Za-z0-9_>.-]+))?\)/g;
  for (const m of body.matchAll(re)) {
    const macro = m[1];
    if (macro === "NODE_TYPE") continue;
    if (macro === "ENUM") { fields.push({ name: m[2], kind: "E" + m[3] }); continue; }
    const kind = MACRO_KINDS[macro];
    if (!kind) throw new Error(`unknown outfuncs macro WRITE_${macro}`);
    fields.push({ name: m[2], kind });
  }
  return fields;
}

function outFunctions(text: string): Map<string, { label: string; fields: FieldSpec[] }> {
  const result = new Map<string, { label: string; fields: FieldSpec[] }>();
  const re = /\n_out(\w+)\(StringInfo str, const (\w+) \*node\)\n\{([\s\S]*?)\n\}/g;
  for (const m of text.matchAll(re)) {
    const label = /WRITE_NODE_TYPE\("(\w+)"\)/.exec(m[3]);
    if (!label) continue;
    result.set(m[2], { label: label[1], fields: writeMacros(m[3]) });
  }
  return result;
}

/** The structs a header defines, each with the pointed-to type of its pointer fields. */
function structPointerTypes(headerText: string): Map<string, Map<string, string>> {
  const structs = new Map<string, Map<string, string>>();
  const text = stripComments(headerText);
  for (const m of text.matchAll(/typedef struct (\w+)\s*\{([\s\S]*?)\}\s*(\w+)\s*;/g)) {
    const pointers = new Map<string, string>();
    const body = m[2].replace(/pg_node_attr\([^)]*\)/g, " ");
    for (const f of body.matchAll(/(?:struct\s+)?(\w+)\s*\*\s*(\w+)\s*;/g)) pointers.set(f[2], f[1]);
    structs.set(m[3], pointers);
  }
  return structs;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/.*$/gm, " ");
}

/** Evaluates an enumerator's initialiser; NaN when it is beyond this small grammar. */
function evalEnumValue(expr: string, known: Map<string, number>): number {
  const e = expr.trim().replace(/^\((.*)\)$/, "$1").trim();
  if (e.includes("|")) {
    const parts = e.split("|").map((part) => evalEnumValue(part, known));
    return parts.some(Number.isNaN) ? NaN : parts.reduce((acc, v) => acc | v, 0);
  }
  const char = /^'(.)'$/.exec(e);
  if (char) return char[1].charCodeAt(0);
  const shift = /^(\d+)\s*<<\s*(\d+)$/.exec(e);
  if (shift) return Number(shift[1]) << Number(shift[2]);
  if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(e)) return Number(e);
  return known.has(e) ? known.get(e)! : NaN;
}

function enumDefinitions(headerText: string, into: Map<string, Array<[string, number]>>): void {
  const text = stripComments(headerText);
  // Some enumerators are built from #define'd bit values (AggSplit).
  const defines = new Map<string, number>();
  for (const m of text.matchAll(/^#define\s+(\w+)\s+\(?\s*(0x[0-9a-fA-F]+|\d+|\d+\s*<<\s*\d+)\s*\)?\s*$/gm)) {
    defines.set(m[1], evalEnumValue(m[2], defines));
  }
  for (const m of text.matchAll(/typedef\s+enum\s+(\w+)?\s*\{([^}]*)\}\s*(\w+)\s*;/g)) {
    const members: Array<[string, number]> = [];
    const known = new Map<string, number>(defines);
    let next = 0;
    for (const raw of m[2].split(",")) {
      const item = raw.replace(/#.*$/gm, "").trim();
      if (item.length === 0) continue;
      const eq = item.indexOf("=");
      const name = (eq < 0 ? item : item.slice(0, eq)).trim();
      const value = eq < 0 ? next : evalEnumValue(item.slice(eq + 1), known);
      members.push([name, value]);
      known.set(name, value);
      next = value + 1;
    }
    into.set(m[3], members);
  }
}

function nodeHeaders(source: string): string[] {
  const makefile = readFileSync(join(source, "src/backend/nodes/Makefile"), "utf8");
  const block = /node_headers = \\\n((?:\t.*\n)+)/.exec(makefile);
  if (!block) throw new Error("node_headers not found in src/backend/nodes/Makefile");
  return block[1].split("\n").map((l) => l.replace(/\\$/, "").trim()).filter((l) => l.length > 0);
}

/** Reads one PostgreSQL source tree. */
export function readVersionSchema(source: string): VersionSchema {
  const version = /postgresql-([\d.]+)$/.exec(basename(source))?.[1] ?? "unknown";
  const headers = nodeHeaders(source);
  const out = mkdtempSync(join(tmpdir(), "pg-node-support-"));
  try {
    execFileSync("perl", [join(source, "src/backend/nodes/gen_node_support.pl"), "--outdir", out,
      ...headers.map((h) => join(source, "src/include", h))], { stdio: ["ignore", "ignore", "inherit"] });
    const generated = outFunctions(readFileSync(join(out, "outfuncs.funcs.c"), "utf8"));
    const custom = outFunctions(readFileSync(join(source, "src/backend/nodes/outfuncs.c"), "utf8"));
    const raw = new Map<string, Map<string, string>>();
    for (const h of ["nodes/parsenodes.h", "nodes/primnodes.h"]) {
      for (const [name, pointers] of structPointerTypes(readFileSync(join(source, "src/include", h), "utf8"))) {
        raw.set(name, pointers);
      }
    }
    const nodes = new Map<string, { label: string; fields: FieldSpec[] }>();
    for (const name of [...raw.keys()].sort()) {
      const fromCustom = CUSTOM_EXTRA[name] ? custom.get(name) : undefined;
      const entry = generated.get(name) ?? fromCustom;
      if (!entry) continue;
      // A pointer to one concrete node type: libpg-query writes it without the {"Tag": ...} wrapper.
      const fields = [...(CUSTOM_EXTRA[name] ?? []), ...entry.fields].map((f) => {
        const pointee = raw.get(name)!.get(f.name);
        return f.kind === "N" && pointee !== undefined && generated.has(pointee) ? { name: f.name, kind: "N" + pointee } : f;
      });
      nodes.set(name, { label: entry.label, fields });
    }
    for (const [name, fields] of Object.entries(VALUE_NODES)) nodes.set(name, { label: name.toUpperCase(), fields });
    const enums = new Map<string, Array<[string, number]>>();
    for (const h of headers) enumDefinitions(readFileSync(join(source, "src/include", h), "utf8"), enums);
    return { major: Number(version.split(".")[0]), version, nodes, enums };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function fieldText(f: FieldSpec): string {
  return f.name + ":" + f.kind;
}

/** Merges the versions: one spec per node, fields present in only some majors get `/major`. */
function mergeNodes(versions: VersionSchema[]): Map<string, { label: string; spec: string }> {
  const names = new Set<string>();
  for (const v of versions) for (const n of v.nodes.keys()) names.add(n);
  const result = new Map<string, { label: string; spec: string }>();
  for (const name of [...names].sort()) {
    const tokens: string[] = [];
    const seen = new Set<string>();
    let label = "";
    for (const v of versions) {
      const node = v.nodes.get(name);
      if (!node) continue;
      label = node.label;
      for (const f of node.fields) {
        const text = fieldText(f);
        if (seen.has(text)) continue;
        seen.add(text);
        const inAll = versions.every((o) => o.nodes.get(name)?.fields.some((g) => fieldText(g) === text));
        if (inAll) tokens.push(text);
        else {
          for (const o of versions) {
            if (o.nodes.get(name)?.fields.some((g) => fieldText(g) === text)) tokens.push(text + "/" + o.major);
          }
        }
      }
    }
    result.set(name, { label, spec: tokens.join(" ") });
  }
  return result;
}

function enumText(members: Array<[string, number]>): string {
  return members.map(([name, value], i) => (value === i ? name : `${name}=${value}`)).join(" ");
}

/** Enum tables for every enum a raw node field uses; per-major when the majors disagree. */
function mergeEnums(versions: VersionSchema[], nodes: Map<string, { label: string; spec: string }>): Map<string, string> {
  const used = new Set<string>();
  for (const { spec } of nodes.values()) {
    for (const m of spec.matchAll(/:E(\w+)/g)) used.add(m[1]);
  }
  const result = new Map<string, string>();
  for (const type of [...used].sort()) {
    const texts = versions.map((v) => (v.enums.has(type) ? enumText(v.enums.get(type)!) : null));
    const present = texts.filter((t) => t !== null);
    if (present.length === 0) throw new Error(`enum ${type} not found in the node headers`);
    if (present.some((t) => t!.includes("NaN"))) throw new Error(`enum ${type} has a value this script cannot evaluate`);
    if (texts.every((t) => t === present[0])) result.set(type, present[0]!);
    else versions.forEach((v, i) => { if (texts[i] !== null) result.set(`${type}/${v.major}`, texts[i]!); });
  }
  return result;
}

function stringArray(name: string, doc: string, items: string[]): string {
  const lines = items.map((s) => "  " + JSON.stringify(s) + ",");
  return `/** ${doc} */\nexport const ${name}: StaticArray<string> = [\n${lines.join("\n")}\n];\n`;
}

/** Renders pg-enums.ts from the schemas of the given source trees. */
export function renderTables(versions: VersionSchema[]): string {
  const nodes = mergeNodes(versions);
  const enums = mergeEnums(versions, nodes);
  const tags = [...nodes.keys()].sort();
  const byLabel = [...nodes.entries()].sort((a, b) => (a[1].label < b[1].label ? -1 : a[1].label > b[1].label ? 1 : 0));
  const enumTypes = [...enums.keys()].sort();
  const sources = versions.map((v) => `postgresql-${v.version}`).join(", ");
  return `// GENERATED FILE — do not edit. Regenerate with \`npx tsx src/build/gen-node-enums.ts\` (also run by
// \`npx tsx src/build/build.ts engine\` when PostgreSQL sources are unpacked in the build cache).
/**
 * @fileoverview The raw-parse-tree schema of PostgreSQL ${versions.map((v) => v.major).join(" and ")}, derived from ${sources}:
 * nodes of src/include/nodes/parsenodes.h and primnodes.h as written by outfuncs (field lists from
 * the outfuncs.funcs.c that gen_node_support.pl generates from the headers, plus the hand-written
 * A_Expr/A_Const/BoolExpr writers of outfuncs.c), and the enums of the node headers they use.
 *
 * Field spec: space-separated \`name:KIND\`, KIND one of N (node or list; \`N<Type>\` for a pointer to
 * one concrete node type, which libpg-query writes without its tag), S (string), C (char),
 * B (bool), I (integer), L (parse location), F (float text), A (integer array or bitmapset),
 * E<EnumType>. A \`/major\` suffix marks a field only that major writes.
 * Enum members: space-separated names in value order; \`NAME=value\` where the value is not the
 * position. An enum type with a \`/major\` suffix differs between majors.
 */

${stringArray("NODE_TAGS", "Node tags (C struct names, as libpg-query spells them), sorted.", tags)}
${stringArray("NODE_FIELD_SPECS", "Field specs, parallel to NODE_TAGS.", tags.map((t) => nodes.get(t)!.spec))}
${stringArray("NODE_LABELS", "Outfuncs labels (struct names upper-cased), sorted.", byLabel.map((e) => e[1].label))}
${stringArray("NODE_LABEL_TAGS", "Node tags, parallel to NODE_LABELS.", byLabel.map((e) => e[0]))}
${stringArray("ENUM_TYPES", "Enum type names used by node fields, sorted.", enumTypes)}
${stringArray("ENUM_MEMBERS", "Enum members, parallel to ENUM_TYPES.", enumTypes.map((t) => enums.get(t)!))}`;
}

/** The newest unpacked postgresql-<major>.* tree in the build cache, or null. */
export function findSource(major: number): string | null {
  const cache = process.env.PGTRICKLE_CACHE || join(homedir(), ".cache", "pg_trickle");
  const dir = join(cache, "build");
  if (!existsSync(dir)) return null;
  const candidates = readdirSync(dir)
    .filter((n) => n.startsWith(`postgresql-${major}.`))
    .filter((n) => existsSync(join(dir, n, "src/backend/nodes/gen_node_support.pl")))
    .sort((a, b) => Number(b.split(".")[1]) - Number(a.split(".")[1]));
  return candidates.length > 0 ? join(dir, candidates[0]) : null;
}

/** Regenerates pg-enums.ts from the cached sources; keeps the committed file when they are absent. */
export function generateNodeEnums(projectRoot: string, sources?: string[]): void {
  const dirs = sources ?? SCHEMA_MAJORS.map(findSource).filter((d): d is string => d !== null);
  if (dirs.length < SCHEMA_MAJORS.length && sources === undefined) {
    console.log(`[build] PostgreSQL ${SCHEMA_MAJORS.join(" and ")} sources not all unpacked; keeping ${OUTPUT}`);
    return;
  }
  const text = renderTables(dirs.map(readVersionSchema));
  const target = join(projectRoot, OUTPUT);
  if (existsSync(target) && readFileSync(target, "utf8") === text) return;
  writeFileSync(target, text);
  console.log(`[build] ${OUTPUT} from ${dirs.map((d) => basename(d)).join(", ")}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const args = process.argv.slice(2);
  generateNodeEnums(root, args.length > 0 ? args.map((a) => resolve(a)) : undefined);
}
