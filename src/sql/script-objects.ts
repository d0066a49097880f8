/**
 * @fileoverview The upgrade checker: runs extension scripts "on paper" with PostgreSQL's own
 * parser (libpg-query) and compares the objects they leave.
 *
 * `ScriptObjects` applies the statements of an install script and then of upgrade scripts
 * (CREATE / CREATE OR REPLACE / ALTER TABLE / DROP / COMMENT / GRANT / REVOKE / config-dump
 * registrations) to a model of the extension's objects: functions with their signature,
 * defaults, result, language, volatility, strictness, security, parallel safety, settings and
 * body; tables with columns, defaults, NOT NULL and named constraints; indexes; views; sequences;
 * schemas; event triggers; comments and privileges. `compareObjects` lists every difference
 * between two models. The checker shares no code with the generator (upgrade.ts), so a generator
 * bug cannot hide itself.
 *
 * Columns are compared by name, not position: ALTER TABLE ADD COLUMN can only append, so an
 * upgraded table may order its columns differently from a fresh install. Nothing in pg_trickle
 * reads its catalog by column position.
 *
 * A statement the model does not understand is an error, so no DDL in a script goes unchecked;
 * A SELECT of one function (an upgrade's data step) changes no object.
 */
import { parse } from "libpg-query";

// Parse trees are plain JSON; a loose type keeps the interpreter short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

/** One object of the model: its definition (location-free parse-tree JSON), comment and privileges. */
interface ModelObject {
  kind: string;
  definition: Record<string, string>;
  comment: string | null;
  /** "privilege role" → "grant" | "revoke": the last GRANT or REVOKE of each pair. */
  acl: Map<string, string>;
}

/** The parse tree as stable JSON text without source positions. */
function canonical(node: Node): string {
  return JSON.stringify(node, (key, value) => (key === "location" || key.endsWith("_start") || key.endsWith("_end") ? undefined : value));
}

function strings(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => n.String.sval);
}

function typeText(type: Node): string {
  return canonical({ names: strings(type.names), typmods: type.typmods ?? null, array: type.arrayBounds ?? null, setof: type.setof ?? false });
}

function relationKey(rangeVar: Node): string {
  return `relation ${rangeVar.schemaname ?? "?"}.${rangeVar.relname}`;
}

function isIdentityMode(mode: string): boolean {
  return mode === "FUNC_PARAM_IN" || mode === "FUNC_PARAM_DEFAULT" || mode === "FUNC_PARAM_INOUT" || mode === "FUNC_PARAM_VARIADIC";
}

/** `function schema.name(type, ...)` with the identity argument types as written (TypeName or wrapped TypeName nodes). */
function functionKey(name: Node[], argumentTypes: Node[]): string {
  const types = argumentTypes.map((t) => t.TypeName ?? t).map((t) => strings(t.names).join(".") + (t.arrayBounds ? "[]" : ""));
  return `function ${strings(name).join(".")}(${types.join(", ")})`;
}

/** The model of the objects a sequence of scripts leaves. */
export class ScriptObjects {
  readonly objects = new Map<string, ModelObject>();

  /** `schemas`: the schemas that exist before the first script (the control file's `schema`). */
  constructor(schemas: readonly string[]) {
    for (const name of schemas) this.create(`schema ${name}`, "schema", {});
  }

  /** Applies every statement of `script` (psql meta-commands skipped). */
  async apply(script: string, label: string): Promise<this> {
    const sql = script.split("\n").filter((line) => !line.startsWith("\\")).join("\n");
    for (const { stmt } of (await parse(sql)).stmts ?? []) {
      try {
        this.statement(stmt);
      } catch (error) {
        throw new Error(`${label}: ${(error as Error).message}`);
      }
    }
    return this;
  }

  private create(key: string, kind: string, definition: Record<string, string>, replace = false): void {
    const existing = this.objects.get(key);
    if (existing !== undefined && !replace) throw new Error(`${key} already exists`);
    if (existing !== undefined && existing.kind !== kind) throw new Error(`${key} is a ${existing.kind}, not a ${kind}`);
    if (existing !== undefined) existing.definition = definition;
    else this.objects.set(key, { kind, definition, comment: null, acl: new Map() });
  }

  private get(key: string): ModelObject {
    const object = this.objects.get(key);
    if (object === undefined) throw new Error(`${key} does not exist`);
    return object;
  }

  private statement(stmt: Node): void {
    const [type] = Object.keys(stmt);
    const s = stmt[type];
    switch (type) {
      case "CreateSchemaStmt":
        return this.create(`schema ${s.schemaname}`, "schema", {});
      case "CreateSeqStmt":
        return this.create(relationKey(s.sequence), "sequence", { options: canonical(s.options ?? []) });
      case "CreateStmt":
        return this.createTable(s);
      case "IndexStmt":
        return this.create(`relation ${s.relation.schemaname}.${s.idxname}`, "index", { index: canonical({ ...s, idxname: undefined }) });
      case "CreateFunctionStmt":
        return this.createFunction(s);
      case "ViewStmt":
        return this.create(relationKey(s.view), "view", { columns: canonical(s.aliases), query: canonical(s.query) }, s.replace === true);
      case "CreateEventTrigStmt":
        return this.create(`event_trigger ${s.trigname}`, "event_trigger", { event: s.eventname, function: strings(s.funcname).join(".") });
      case "AlterTableStmt":
        return this.alterTable(s);
      case "AlterSeqStmt":
        this.get(relationKey(s.sequence)).definition.options = canonical(s.options ?? []);
        return;
      case "DropStmt":
        return this.drop(s);
      case "CommentStmt":
        this.get(this.targetKey(s.objtype, s.object)).comment = s.comment ?? null;
        return;
      case "GrantStmt":
        return this.grant(s);
      case "SelectStmt":
        return this.select(s);
      default:
        throw new Error(`the checker does not model ${type} statements`);
    }
  }

  private createTable(s: Node): void {
    const definition: Record<string, string> = {};
    for (const element of s.tableElts ?? []) {
      if (element.ColumnDef) definition[`column ${element.ColumnDef.colname}`] = this.column(element.ColumnDef);
      else if (element.Constraint?.conname) definition[`constraint ${element.Constraint.conname}`] = canonical(element.Constraint);
      else throw new Error(`table ${s.relation.relname}: unnamed table constraint`);
    }
    this.create(relationKey(s.relation), "table", definition);
    // A serial column creates its sequence, named as PostgreSQL names it.
    for (const element of s.tableElts ?? []) {
      const type = element.ColumnDef ? strings(element.ColumnDef.typeName.names).join(".") : "";
      if (/^(small|big)?serial$/.test(type)) {
        this.create(`relation ${s.relation.schemaname}.${s.relation.relname}_${element.ColumnDef.colname}_seq`, "sequence", { serial: type });
      }
    }
  }

  /** A column: its type, NOT NULL and default (column constraints normalised to those three). */
  private column(def: Node): string {
    let notNull = false;
    let defaultValue: string | null = null;
    for (const { Constraint: c } of def.constraints ?? []) {
      if (c.contype === "CONSTR_NOTNULL") notNull = true;
      else if (c.contype === "CONSTR_DEFAULT") defaultValue = canonical(c.raw_expr);
      else throw new Error(`column ${def.colname}: ${c.contype} must be a named table constraint`);
    }
    return canonical({ type: typeText(def.typeName), notNull, default: defaultValue });
  }

  private createFunction(s: Node): void {
    const parameters = (s.parameters ?? []).map((p: Node) => p.FunctionParameter);
    const key = functionKey(s.funcname, parameters.filter((p: Node) => isIdentityMode(p.mode)).map((p: Node) => p.argType));
    const options: Record<string, string> = {};
    for (const { DefElem: o } of s.options ?? []) {
      if (o.defname !== "set") options[`option ${o.defname}`] = canonical(o.arg);
    }
    const set = (s.options ?? []).filter((o: Node) => o.DefElem.defname === "set").map((o: Node) => canonical(o.DefElem.arg));
    const definition: Record<string, string> = {
      ...options,
      "option set": canonical(set),
      parameters: canonical(
        parameters.map((p: Node) => ({
          name: p.name,
          mode: p.mode === "FUNC_PARAM_DEFAULT" ? "FUNC_PARAM_IN" : p.mode,
          type: typeText(p.argType),
          default: p.defexpr ?? null,
        })),
      ),
      returns: s.returnType ? typeText(s.returnType) : "(none)",
      sqlBody: canonical(s.sql_body ?? null),
    };
    // CREATE OR REPLACE keeps what was not respecified at PostgreSQL's defaults, as a fresh CREATE does.
    for (const [name, fallback] of [["volatility", '{"String":{"sval":"volatile"}}'], ["strict", '{"Boolean":{}}'],
      ["security", '{"Boolean":{}}'], ["parallel", '{"String":{"sval":"unsafe"}}']] as const) {
      definition[`option ${name}`] ??= fallback;
    }
    this.create(key, "function", definition, s.replace === true);
  }

  private alterTable(s: Node): void {
    const table = this.get(relationKey(s.relation));
    const columnOf = (name: string) => {
      const text = table.definition[`column ${name}`];
      if (text === undefined) throw new Error(`${relationKey(s.relation)} has no column ${name}`);
      return JSON.parse(text) as { type: string; notNull: boolean; default: string | null };
    };
    const setColumn = (name: string, column: object) => (table.definition[`column ${name}`] = canonical(column));
    for (const { AlterTableCmd: cmd } of s.cmds) {
      switch (cmd.subtype) {
        case "AT_AddColumn":
          if (table.definition[`column ${cmd.def.ColumnDef.colname}`] !== undefined) throw new Error(`column ${cmd.def.ColumnDef.colname} exists`);
          table.definition[`column ${cmd.def.ColumnDef.colname}`] = this.column(cmd.def.ColumnDef);
          break;
        case "AT_DropColumn":
          columnOf(cmd.name);
          delete table.definition[`column ${cmd.name}`];
          break;
        case "AT_ColumnDefault":
          setColumn(cmd.name, { ...columnOf(cmd.name), default: cmd.def ? canonical(cmd.def) : null });
          break;
        case "AT_SetNotNull":
        case "AT_DropNotNull":
          setColumn(cmd.name, { ...columnOf(cmd.name), notNull: cmd.subtype === "AT_SetNotNull" });
          break;
        case "AT_AlterColumnType":
          setColumn(cmd.name, { ...columnOf(cmd.name), type: typeText(cmd.def.ColumnDef.typeName) });
          break;
        case "AT_AddConstraint":
          if (!cmd.def.Constraint.conname) throw new Error("unnamed constraint added");
          table.definition[`constraint ${cmd.def.Constraint.conname}`] = canonical(cmd.def.Constraint);
          break;
        case "AT_DropConstraint":
          if (table.definition[`constraint ${cmd.name}`] === undefined) throw new Error(`no constraint ${cmd.name}`);
          delete table.definition[`constraint ${cmd.name}`];
          break;
        default:
          throw new Error(`the checker does not model ALTER TABLE ${cmd.subtype}`);
      }
    }
  }

  /** The model key of the object a DROP, COMMENT or GRANT names. */
  private targetKey(objtype: string, object: Node): string {
    switch (objtype) {
      case "OBJECT_FUNCTION":
        return functionKey(object.ObjectWithArgs.objname, object.ObjectWithArgs.objargs ?? []);
      case "OBJECT_TABLE":
      case "OBJECT_VIEW":
      case "OBJECT_SEQUENCE":
      case "OBJECT_INDEX":
        return object.RangeVar ? relationKey(object.RangeVar) : `relation ${strings(object.List.items).join(".")}`;
      case "OBJECT_SCHEMA":
        return `schema ${object.String.sval}`;
      case "OBJECT_EVENT_TRIGGER":
        return `event_trigger ${object.String.sval}`;
      default:
        throw new Error(`the checker does not model ${objtype} objects`);
    }
  }

  private drop(s: Node): void {
    for (const object of s.objects) {
      const key = this.targetKey(s.removeType, object);
      if (!this.objects.has(key)) {
        if (s.missing_ok) continue;
        throw new Error(`DROP of ${key}, which does not exist`);
      }
      if (s.behavior === "DROP_CASCADE") throw new Error(`DROP ... CASCADE of ${key}: the checker cannot follow dependencies`);
      if (s.removeType === "OBJECT_TABLE") throw new Error(`DROP TABLE ${key}: the checker does not model dropped tables`);
      this.objects.delete(key);
    }
  }

  private grant(s: Node): void {
    for (const object of s.objects) {
      const target = this.get(this.targetKey(s.objtype, object));
      for (const { AccessPriv: privilege } of s.privileges ?? [{ AccessPriv: { priv_name: "all" } }]) {
        for (const { RoleSpec: role } of s.grantees) {
          const name = role.roletype === "ROLESPEC_PUBLIC" ? "PUBLIC" : role.rolename;
          target.acl.set(`${privilege.priv_name} ${name}`, s.is_grant ? "grant" : "revoke");
        }
      }
    }
  }

  private select(s: Node): void {
    const targets = s.targetList ?? [];
    if (s.fromClause || targets.length !== 1 || !targets[0].ResTarget.val.FuncCall) {
      throw new Error("a script's SELECT may only call one function");
    }
    const call = targets[0].ResTarget.val.FuncCall;
    const name = strings(call.funcname).join(".");
    if (name === "pg_catalog.pg_extension_config_dump") {
      const [relation, filter] = call.args.map((a: Node) => a.A_Const.sval?.sval ?? "");
      const key = `config_dump ${relation}`;
      if (!this.objects.has(`relation ${relation}`)) throw new Error(`config dump of unknown relation ${relation}`);
      this.objects.set(key, { kind: "config_dump", definition: { filter }, comment: null, acl: new Map() });
    }
  }
}

/** The model after applying `scripts` in order ([label, text] pairs) to an extension created in schema pgtrickle. */
export async function objectsOf(...scripts: [string, string][]): Promise<ScriptObjects> {
  const model = new ScriptObjects(["pgtrickle"]);
  for (const [label, text] of scripts) await model.apply(text, label);
  return model;
}

/** Every difference between two models, as readable lines ([] when they agree). */
export function compareObjects(expected: ScriptObjects, actual: ScriptObjects): string[] {
  const problems: string[] = [];
  for (const [key, want] of expected.objects) {
    const got = actual.objects.get(key);
    if (got === undefined) {
      problems.push(`missing: ${key}`);
      continue;
    }
    if (got.kind !== want.kind) problems.push(`${key}: a ${got.kind}, expected a ${want.kind}`);
    for (const part of new Set([...Object.keys(want.definition), ...Object.keys(got.definition)])) {
      if (want.definition[part] !== got.definition[part]) {
        problems.push(`${key}: ${part} differs\n    expected ${want.definition[part] ?? "(none)"}\n    found    ${got.definition[part] ?? "(none)"}`);
      }
    }
    if (want.comment !== got.comment) problems.push(`${key}: comment differs (expected ${JSON.stringify(want.comment)}, found ${JSON.stringify(got.comment)})`);
    const acl = (m: Map<string, string>) => JSON.stringify([...m].sort());
    if (acl(want.acl) !== acl(got.acl)) problems.push(`${key}: privileges differ (expected ${acl(want.acl)}, found ${acl(got.acl)})`);
  }
  for (const key of actual.objects.keys()) {
    if (!expected.objects.has(key)) problems.push(`unexpected: ${key}`);
  }
  return problems;
}
