/**
 * @fileoverview The declarative model of the extension's SQL objects.
 *
 * A version's objects are declared once (`catalog.ts`) as plain data; `render.ts` turns them into
 * the install script, and an upgrade generator can diff two declarations object by object. For
 * that to work every object is fully described (nothing is left to PostgreSQL's defaults except
 * where the model says so) and every object, constraint and index has a stable, explicit name.
 *
 * Conventions:
 * - Types use PostgreSQL's `format_type` spelling (`integer`, `boolean`, `double precision`,
 *   `timestamp with time zone`, `text[]`), so a checker can compare them with `pg_catalog`.
 * - Default values and expressions are SQL text, rendered verbatim.
 * - Objects are listed in dependency order; the renderer emits them in that order.
 */

/** A role a privilege is granted to or revoked from (`PUBLIC` or a role name). */
export type Role = string;

/** One GRANT or REVOKE applied to an object right after it is created. */
export interface Privilege {
  readonly action: "grant" | "revoke";
  readonly privilege: "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "EXECUTE" | "USAGE" | "ALL";
  readonly role: Role;
}

/** A schema; `createdBy: "control_file"` means CREATE EXTENSION creates it from the control file. */
export interface Schema {
  readonly kind: "schema";
  readonly name: string;
  readonly createdBy: "control_file" | "script";
  readonly comment: string;
  readonly privileges: readonly Privilege[];
}

/** A standalone sequence (sequences owned by serial columns are implied by the column). */
export interface Sequence {
  readonly kind: "sequence";
  readonly schema: string;
  readonly name: string;
  readonly type: "smallint" | "integer" | "bigint";
  readonly comment: string;
  readonly privileges: readonly Privilege[];
}

/** A table column; `serial` on a bigint/integer column renders `bigserial`/`serial`. */
export interface Column {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly default: string | null;
  readonly serial: boolean;
}

/** What a foreign key does when the referenced row is deleted or updated. */
export type ReferentialAction = "no action" | "restrict" | "cascade" | "set null" | "set default";

/** A named table constraint. */
export type TableConstraint =
  | { readonly kind: "primary_key"; readonly name: string; readonly columns: readonly string[] }
  | { readonly kind: "unique"; readonly name: string; readonly columns: readonly string[] }
  | { readonly kind: "check"; readonly name: string; readonly expression: string }
  | {
      readonly kind: "foreign_key";
      readonly name: string;
      readonly columns: readonly string[];
      readonly references: { readonly schema: string; readonly table: string; readonly columns: readonly string[] };
      readonly onDelete: ReferentialAction;
      readonly onUpdate: ReferentialAction;
    };

/** A table with its columns and named constraints. */
export interface Table {
  readonly kind: "table";
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly Column[];
  readonly constraints: readonly TableConstraint[];
  readonly comment: string;
  readonly privileges: readonly Privilege[];
}

/** An index; `keys` are column names or parenthesized expressions. */
export interface Index {
  readonly kind: "index";
  readonly schema: string;
  readonly name: string;
  readonly table: string;
  readonly method: "btree" | "hash" | "gin" | "gist" | "brin";
  readonly keys: readonly string[];
  readonly unique: boolean;
  readonly where: string | null;
}

/**
 * A function parameter; `default` is SQL text or null for none. Mode `table` is a column of
 * `RETURNS TABLE (...)` (pg_proc's mode 't'); a function with such columns returns `SETOF record`.
 */
export interface FunctionParameter {
  readonly name: string;
  readonly type: string;
  readonly mode: "in" | "out" | "inout" | "variadic" | "table";
  readonly default: string | null;
}

/** A configuration parameter a function sets for its own duration (`SET name = value`; value is SQL text). */
export interface FunctionSetting {
  readonly name: string;
  readonly value: string;
}

/**
 * How a function is implemented: a C symbol in the module (`AS 'MODULE_PATHNAME', 'symbol'`), a
 * SQL-standard body (`RETURN expr` or `BEGIN ATOMIC ... END`, parsed and bound at creation so it
 * does not depend on the caller's search_path), or a string body for SQL or PL/pgSQL.
 */
export type FunctionBody =
  | { readonly kind: "c_symbol"; readonly symbol: string }
  | { readonly kind: "sql_standard"; readonly text: string }
  | { readonly kind: "string"; readonly text: string };

/** A function with every property that CREATE FUNCTION can set spelled out. */
export interface SqlFunction {
  readonly kind: "function";
  readonly schema: string;
  readonly name: string;
  readonly parameters: readonly FunctionParameter[];
  readonly returns: string;
  readonly language: "c" | "sql" | "plpgsql";
  readonly body: FunctionBody;
  readonly volatility: "volatile" | "stable" | "immutable";
  readonly strict: boolean;
  readonly security: "invoker" | "definer";
  readonly parallel: "unsafe" | "restricted" | "safe";
  /** Settings applied while the function runs (pg_proc.proconfig); absent means none. */
  readonly settings?: readonly FunctionSetting[];
  readonly comment: string;
  readonly privileges: readonly Privilege[];
}

/** A view column as the view's query produces it (name and format_type spelling). */
export interface ViewColumn {
  readonly name: string;
  readonly type: string;
}

/** A view; its column names are rendered explicitly so they cannot drift from the declaration. */
export interface View {
  readonly kind: "view";
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ViewColumn[];
  readonly query: string;
  readonly comment: string;
  readonly privileges: readonly Privilege[];
}

/** A `pg_extension_config_dump` registration: pg_dump dumps the rows matching `filter`. */
export interface ConfigDump {
  readonly kind: "config_dump";
  readonly schema: string;
  readonly relation: string;
  readonly filter: string;
}

/** An event trigger (database-wide; event triggers have no schema). */
export interface EventTrigger {
  readonly kind: "event_trigger";
  readonly name: string;
  readonly event: "ddl_command_start" | "ddl_command_end" | "sql_drop" | "table_rewrite";
  /** The function it runs, declared earlier, as schema and name (no arguments). */
  readonly functionSchema: string;
  readonly functionName: string;
  readonly comment: string;
}

/** Any object the install script creates or registers. */
export type CatalogObject = Schema | Sequence | Table | Index | SqlFunction | View | ConfigDump | EventTrigger;

/** The full set of objects of one extension version, in dependency order. */
export interface Declaration {
  readonly extension: string;
  readonly version: string;
  readonly objects: readonly CatalogObject[];
}

/** PostgreSQL truncates identifiers beyond this many bytes; declared names must fit. */
export const maxIdentifierLength = 63;

/** `schema.name`, unquoted (the catalog uses only lower-case, non-keyword names). */
export function qualifiedName(schema: string, name: string): string {
  return `${schema}.${name}`;
}

/** The types that identify a function (IN, INOUT and VARIADIC parameters, not OUT or TABLE columns). */
export function identityArgumentTypes(fn: SqlFunction): string[] {
  return fn.parameters.filter((p) => p.mode !== "out" && p.mode !== "table").map((p) => p.type);
}

/** A stable key per object, unique within a declaration: what a diff matches objects by. */
export function objectKey(object: CatalogObject): string {
  switch (object.kind) {
    case "schema":
      return `schema ${object.name}`;
    case "function":
      return `function ${qualifiedName(object.schema, object.name)}(${identityArgumentTypes(object).join(", ")})`;
    case "config_dump":
      return `config_dump ${qualifiedName(object.schema, object.relation)}`;
    case "event_trigger":
      return `event_trigger ${object.name}`;
    default:
      return `${object.kind} ${qualifiedName(object.schema, object.name)}`;
  }
}

/** The name of the sequence PostgreSQL creates for a serial column. */
export function serialSequenceName(table: string, column: string): string {
  return checkedIdentifier(`${table}_${column}_seq`);
}

/** The name PostgreSQL gives a constraint or index by default (`table_cols_suffix`). */
export function conventionalName(table: string, columns: readonly string[], suffix: "pkey" | "key" | "check" | "fkey" | "idx"): string {
  const name = suffix === "pkey" ? `${table}_pkey` : `${table}_${columns.join("_")}_${suffix}`;
  return checkedIdentifier(name);
}

function checkedIdentifier(name: string): string {
  if (Buffer.byteLength(name, "utf8") > maxIdentifierLength) {
    throw new Error(`identifier "${name}" is longer than ${maxIdentifierLength} bytes; give it an explicit shorter name`);
  }
  return name;
}

/** Every problem with a declaration: duplicate keys, dangling references, over-long names. */
export function validateDeclaration(declaration: Declaration): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const relations = new Set<string>();
  for (const object of declaration.objects) {
    const key = objectKey(object);
    if (seen.has(key)) problems.push(`duplicate ${key}`);
    seen.add(key);
    if ("name" in object && Buffer.byteLength(object.name, "utf8") > maxIdentifierLength) {
      problems.push(`${key}: name longer than ${maxIdentifierLength} bytes`);
    }
    switch (object.kind) {
      case "table":
        problems.push(...validateTable(object, relations));
        relations.add(qualifiedName(object.schema, object.name));
        for (const column of object.columns) {
          if (column.serial) relations.add(qualifiedName(object.schema, serialSequenceName(object.name, column.name)));
        }
        break;
      case "sequence":
      case "view":
        relations.add(qualifiedName(object.schema, object.name));
        break;
      case "index":
        if (!relations.has(qualifiedName(object.schema, object.table))) problems.push(`${key}: table ${object.table} not declared before it`);
        break;
      case "config_dump":
        if (!relations.has(qualifiedName(object.schema, object.relation))) problems.push(`${key}: relation not declared before it`);
        break;
      case "function":
        problems.push(...validateFunction(object));
        break;
      case "schema":
      case "event_trigger":
        break;
    }
  }
  return problems;
}

function validateFunction(fn: SqlFunction): string[] {
  const key = objectKey(fn);
  const problems: string[] = [];
  if ((fn.language === "c") !== (fn.body.kind === "c_symbol")) problems.push(`${key}: only C functions have a C symbol`);
  if (fn.body.kind === "sql_standard" && fn.language !== "sql") problems.push(`${key}: a SQL-standard body needs LANGUAGE sql`);
  if (fn.body.kind === "c_symbol" && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(fn.body.symbol)) problems.push(`${key}: invalid C symbol`);
  const tableColumns = fn.parameters.filter((p) => p.mode === "table");
  if (tableColumns.length > 0 && fn.returns !== "SETOF record") problems.push(`${key}: RETURNS TABLE columns need returns "SETOF record"`);
  if (tableColumns.some((p) => p.default !== null)) problems.push(`${key}: a RETURNS TABLE column cannot have a default`);
  for (const setting of fn.settings ?? []) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(setting.name)) problems.push(`${key}: invalid setting name ${setting.name}`);
  }
  let sawDefault = false;
  for (const parameter of fn.parameters) {
    if (parameter.mode === "out" || parameter.mode === "table") continue;
    if (parameter.default !== null) sawDefault = true;
    else if (sawDefault) problems.push(`${key}: parameter ${parameter.name} without a default follows one with a default`);
  }
  const names = fn.parameters.map((p) => p.name);
  if (new Set(names).size !== names.length) problems.push(`${key}: duplicate parameter name`);
  return problems;
}

function validateTable(table: Table, relationsSoFar: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const key = objectKey(table);
  const columns = new Set(table.columns.map((c) => c.name));
  if (columns.size !== table.columns.length) problems.push(`${key}: duplicate column`);
  for (const column of table.columns) {
    if (column.serial && column.default !== null) problems.push(`${key}.${column.name}: serial column with a default`);
    if (column.serial && column.type !== "bigint" && column.type !== "integer") problems.push(`${key}.${column.name}: serial column must be integer or bigint`);
  }
  let primaryKeys = 0;
  for (const constraint of table.constraints) {
    if (constraint.kind === "primary_key") primaryKeys++;
    if (constraint.kind !== "check") {
      for (const column of constraint.columns) {
        if (!columns.has(column)) problems.push(`${key}: constraint ${constraint.name} names unknown column ${column}`);
      }
    }
    if (constraint.kind === "foreign_key") {
      const target = qualifiedName(constraint.references.schema, constraint.references.table);
      const self = qualifiedName(table.schema, table.name);
      if (target !== self && !relationsSoFar.has(target)) problems.push(`${key}: ${constraint.name} references ${target}, not declared before it`);
    }
  }
  if (primaryKeys > 1) problems.push(`${key}: more than one primary key`);
  return problems;
}

/* ---------------------------------------------------------------------------------------------
 * Builders: shorthand for declarations. They fill in PostgreSQL's conventional constraint and
 * index names, so the declared objects carry every name explicitly.
 * ------------------------------------------------------------------------------------------- */

/** Options of a column; anything omitted is nullable, without default, not serial. */
export interface ColumnOptions {
  readonly notNull?: boolean;
  readonly default?: string;
  readonly serial?: boolean;
}

/** A column declaration. */
export function column(name: string, type: string, options: ColumnOptions = {}): Column {
  return { name, type, notNull: options.notNull ?? false, default: options.default ?? null, serial: options.serial ?? false };
}

/** A constraint before it is named; `name` overrides the conventional one. */
export type ConstraintSpec =
  | { readonly kind: "primary_key"; readonly columns: readonly string[]; readonly name?: string }
  | { readonly kind: "unique"; readonly columns: readonly string[]; readonly name?: string }
  | { readonly kind: "check"; readonly column: string; readonly expression: string; readonly name?: string }
  | {
      readonly kind: "foreign_key";
      readonly columns: readonly string[];
      readonly references: { readonly schema: string; readonly table: string; readonly columns: readonly string[] };
      readonly onDelete?: ReferentialAction;
      readonly onUpdate?: ReferentialAction;
      readonly name?: string;
    };

/** PRIMARY KEY (columns). */
export function primaryKey(...columns: string[]): ConstraintSpec {
  return { kind: "primary_key", columns };
}

/** UNIQUE (columns). */
export function unique(...columns: string[]): ConstraintSpec {
  return { kind: "unique", columns };
}

/** CHECK (expression), named after the column it constrains. */
export function check(columnName: string, expression: string): ConstraintSpec {
  return { kind: "check", column: columnName, expression };
}

/** CHECK (column IN (values...)) for a text column holding one of a fixed set of words. */
export function checkOneOf(columnName: string, values: readonly string[]): ConstraintSpec {
  const list = values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ");
  return check(columnName, `${columnName} IN (${list})`);
}

/** FOREIGN KEY (columns) REFERENCES schema.table (targetColumns) ON DELETE onDelete. */
export function foreignKey(
  columns: readonly string[],
  references: { schema: string; table: string; columns: readonly string[] },
  onDelete: ReferentialAction = "no action",
): ConstraintSpec {
  return { kind: "foreign_key", columns, references, onDelete };
}

/** A table declaration; PRIMARY KEY columns are NOT NULL as in PostgreSQL. */
export function table(spec: {
  schema: string;
  name: string;
  columns: readonly Column[];
  constraints: readonly ConstraintSpec[];
  comment: string;
  privileges?: readonly Privilege[];
}): Table {
  const keyColumns = new Set(spec.constraints.flatMap((c) => (c.kind === "primary_key" ? c.columns : [])));
  const columns = spec.columns.map((c) => (keyColumns.has(c.name) || c.serial ? { ...c, notNull: true } : c));
  const constraints = spec.constraints.map((c): TableConstraint => {
    switch (c.kind) {
      case "primary_key":
        return { kind: c.kind, name: c.name ?? conventionalName(spec.name, c.columns, "pkey"), columns: c.columns };
      case "unique":
        return { kind: c.kind, name: c.name ?? conventionalName(spec.name, c.columns, "key"), columns: c.columns };
      case "check":
        return { kind: c.kind, name: c.name ?? conventionalName(spec.name, [c.column], "check"), expression: c.expression };
      case "foreign_key":
        return {
          kind: c.kind,
          name: c.name ?? conventionalName(spec.name, c.columns, "fkey"),
          columns: c.columns,
          references: c.references,
          onDelete: c.onDelete ?? "no action",
          onUpdate: c.onUpdate ?? "no action",
        };
    }
  });
  return { kind: "table", schema: spec.schema, name: spec.name, columns, constraints, comment: spec.comment, privileges: spec.privileges ?? [] };
}

/** A btree index named as PostgreSQL would name it (`table_cols_idx`). */
export function btreeIndex(schema: string, tableName: string, keys: readonly string[]): Index {
  return { kind: "index", schema, name: conventionalName(tableName, keys, "idx"), table: tableName, method: "btree", keys, unique: false, where: null };
}

/** An IN parameter, optionally with a default (SQL text). */
export function parameter(name: string, type: string, defaultValue: string | null = null): FunctionParameter {
  return { name, type, mode: "in", default: defaultValue };
}

/** A column of `RETURNS TABLE (...)`. */
export function resultColumn(name: string, type: string): FunctionParameter {
  return { name, type, mode: "table", default: null };
}

/** GRANT privilege ON object TO role. */
export function grant(privilege: Privilege["privilege"], role: Role): Privilege {
  return { action: "grant", privilege, role };
}

/** REVOKE privilege ON object FROM role. */
export function revoke(privilege: Privilege["privilege"], role: Role): Privilege {
  return { action: "revoke", privilege, role };
}
