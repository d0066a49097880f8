/**
 * @fileoverview Declaration → SQL text: one function per object kind, each returning complete
 * statements (the object, then its COMMENT, then its GRANT/REVOKE). Output is deterministic so the
 * generated script only changes when the declaration does.
 */
import {
  identityArgumentTypes,
  type CatalogObject,
  type Column,
  type ConfigDump,
  type Index,
  type Privilege,
  type Schema,
  type Sequence,
  type SqlFunction,
  type Table,
  type TableConstraint,
  type View,
} from "./declare.ts";

/**
 * Keywords that cannot be used as a bare column or parameter name (PostgreSQL's reserved,
 * type/function-name and column-name keyword categories, as far as a name could plausibly hit).
 */
const keywordsNeedingQuotes = new Set(
  (
    "all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast " +
    "char character check coalesce collate collation column concurrently constraint create cross current_catalog " +
    "current_date current_role current_schema current_time current_timestamp current_user dec decimal default " +
    "deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full grant " +
    "greatest group grouping having ilike in initially inner inout int integer intersect interval into is isnull join " +
    "json lateral leading least left like limit localtime localtimestamp national natural nchar none normalize not " +
    "notnull null nullif numeric offset on only or order out outer overlaps overlay placing position precision primary " +
    "real references returning right row select session_user setof similar smallint some substring symmetric " +
    "system_user table tablesample then time timestamp to trailing treat trim true union unique user using values " +
    "varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlparse " +
    "xmlpi xmlroot xmlserialize xmltable"
  ).split(" "),
);

/** An identifier, double-quoted only when it has to be. */
export function quoteIdentifier(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !keywordsNeedingQuotes.has(name)) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

/** `schema.name` with each part quoted as needed. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/** A string literal (standard_conforming_strings is on in every supported version). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The SQL statements that create one object, its comment and its privileges. */
export function renderObject(object: CatalogObject): string[] {
  switch (object.kind) {
    case "schema":
      return renderSchema(object);
    case "sequence":
      return renderSequence(object);
    case "table":
      return renderTable(object);
    case "index":
      return [renderIndex(object)];
    case "function":
      return renderFunction(object);
    case "view":
      return renderView(object);
    case "config_dump":
      return [renderConfigDump(object)];
    case "event_trigger":
      return [
        `CREATE EVENT TRIGGER ${quoteIdentifier(object.name)} ON ${object.event}\n`
          + `    EXECUTE FUNCTION ${quoteQualified(object.functionSchema, object.functionName)}();`,
        renderComment(objectTargets(object)!.comment, object.comment),
      ];
  }
}

function renderSchema(schema: Schema): string[] {
  const create = schema.createdBy === "script" ? [`CREATE SCHEMA ${quoteIdentifier(schema.name)};`] : [];
  return [...create, ...commentAndPrivileges(schema)];
}

function renderSequence(sequence: Sequence): string[] {
  const name = quoteQualified(sequence.schema, sequence.name);
  return [
    `CREATE SEQUENCE ${name} AS ${sequence.type};`,
    ...commentAndPrivileges(sequence),
  ];
}

function renderTable(table: Table): string[] {
  const name = quoteQualified(table.schema, table.name);
  const lines = [...table.columns.map(renderColumn), ...table.constraints.map(renderConstraint)];
  return [
    `CREATE TABLE ${name} (\n${lines.map((l) => `    ${l}`).join(",\n")}\n);`,
    ...commentAndPrivileges(table),
  ];
}

export function renderColumn(column: Column): string {
  const type = column.serial ? (column.type === "bigint" ? "bigserial" : "serial") : column.type;
  let text = `${quoteIdentifier(column.name)} ${type}`;
  if (column.notNull) text += " NOT NULL";
  if (column.default !== null) text += ` DEFAULT ${column.default}`;
  return text;
}

function columnList(columns: readonly string[]): string {
  return `(${columns.map(quoteIdentifier).join(", ")})`;
}

export function renderConstraint(constraint: TableConstraint): string {
  const head = `CONSTRAINT ${quoteIdentifier(constraint.name)}`;
  switch (constraint.kind) {
    case "primary_key":
      return `${head} PRIMARY KEY ${columnList(constraint.columns)}`;
    case "unique":
      return `${head} UNIQUE ${columnList(constraint.columns)}`;
    case "check":
      return `${head} CHECK (${constraint.expression})`;
    case "foreign_key": {
      const target = quoteQualified(constraint.references.schema, constraint.references.table);
      let text = `${head} FOREIGN KEY ${columnList(constraint.columns)} REFERENCES ${target} ${columnList(constraint.references.columns)}`;
      if (constraint.onUpdate !== "no action") text += ` ON UPDATE ${constraint.onUpdate.toUpperCase()}`;
      if (constraint.onDelete !== "no action") text += ` ON DELETE ${constraint.onDelete.toUpperCase()}`;
      return text;
    }
  }
}

function renderIndex(index: Index): string {
  const keys = index.keys.map((k) => (k.startsWith("(") ? k : quoteIdentifier(k))).join(", ");
  const unique = index.unique ? "UNIQUE " : "";
  const where = index.where === null ? "" : ` WHERE ${index.where}`;
  return `CREATE ${unique}INDEX ${quoteIdentifier(index.name)} ON ${quoteQualified(index.schema, index.table)} USING ${index.method} (${keys})${where};`;
}

/** `schema.name(type, ...)`: how COMMENT, GRANT and DROP name a function. */
export function functionReference(fn: SqlFunction): string {
  return `${quoteQualified(fn.schema, fn.name)}(${identityArgumentTypes(fn).join(", ")})`;
}

function renderFunction(fn: SqlFunction): string[] {
  const parameters = fn.parameters.filter((p) => p.mode !== "table").map((p) => {
    const mode = p.mode === "in" ? "" : `${p.mode.toUpperCase()} `;
    const defaultValue = p.default === null ? "" : ` DEFAULT ${p.default}`;
    return `    ${mode}${quoteIdentifier(p.name)} ${p.type}${defaultValue}`;
  });
  const signature = parameters.length === 0 ? "()" : `(\n${parameters.join(",\n")}\n)`;
  const tableColumns = fn.parameters.filter((p) => p.mode === "table").map((p) => `    ${quoteIdentifier(p.name)} ${p.type}`);
  const returns = tableColumns.length === 0 ? fn.returns : `TABLE (\n${tableColumns.join(",\n")}\n)`;
  const settings = (fn.settings ?? []).map((s) => `\nSET ${s.name} = ${s.value}`).join("");
  const options = [
    `LANGUAGE ${fn.language}`,
    fn.volatility.toUpperCase(),
    fn.strict ? "STRICT" : "CALLED ON NULL INPUT",
    `SECURITY ${fn.security.toUpperCase()}`,
    `PARALLEL ${fn.parallel.toUpperCase()}`,
  ].join(" ");
  let body: string;
  switch (fn.body.kind) {
    case "c_symbol":
      body = `AS 'MODULE_PATHNAME', ${quoteLiteral(fn.body.symbol)}`;
      break;
    case "sql_standard":
      body = fn.body.text;
      break;
    case "string":
      body = `AS ${dollarQuote(fn.body.text)}`;
      break;
  }
  return [
    `CREATE FUNCTION ${quoteQualified(fn.schema, fn.name)}${signature}\nRETURNS ${returns}\n${options}${settings}\n${body};`,
    ...commentAndPrivileges(fn),
  ];
}

function dollarQuote(text: string): string {
  let tag = "$body$";
  for (let i = 1; text.includes(tag); i++) tag = `$body${i}$`;
  return `${tag}\n${text}\n${tag}`;
}

function renderView(view: View): string[] {
  const name = quoteQualified(view.schema, view.name);
  const columns = view.columns.map((c) => quoteIdentifier(c.name)).join(", ");
  return [
    `CREATE VIEW ${name} (${columns}) AS\n${view.query};`,
    ...commentAndPrivileges(view),
  ];
}

function renderConfigDump(dump: ConfigDump): string {
  const relation = quoteQualified(dump.schema, dump.relation);
  return `SELECT pg_catalog.pg_extension_config_dump(${quoteLiteral(relation)}, ${quoteLiteral(dump.filter)});`;
}

/**
 * How COMMENT ON and GRANT/REVOKE name an object (a view is granted on as a TABLE; an event
 * trigger has no privileges), or null for objects without either.
 */
export function objectTargets(object: CatalogObject): { comment: string; privileges: string } | null {
  switch (object.kind) {
    case "function":
      return { comment: `FUNCTION ${functionReference(object)}`, privileges: `FUNCTION ${functionReference(object)}` };
    case "table":
      return { comment: `TABLE ${quoteQualified(object.schema, object.name)}`, privileges: `TABLE ${quoteQualified(object.schema, object.name)}` };
    case "view":
      return { comment: `VIEW ${quoteQualified(object.schema, object.name)}`, privileges: `TABLE ${quoteQualified(object.schema, object.name)}` };
    case "sequence":
      return { comment: `SEQUENCE ${quoteQualified(object.schema, object.name)}`, privileges: `SEQUENCE ${quoteQualified(object.schema, object.name)}` };
    case "schema":
      return { comment: `SCHEMA ${quoteIdentifier(object.name)}`, privileges: `SCHEMA ${quoteIdentifier(object.name)}` };
    case "event_trigger":
      return { comment: `EVENT TRIGGER ${quoteIdentifier(object.name)}`, privileges: "" };
    default:
      return null;
  }
}

/** The COMMENT and GRANT/REVOKE statements that follow an object's creation. */
function commentAndPrivileges(object: Schema | SqlFunction | Table | View | Sequence): string[] {
  const target = objectTargets(object)!;
  return [renderComment(target.comment, object.comment), ...renderPrivileges(target.privileges, object.privileges)];
}

export function renderComment(target: string, comment: string): string {
  return `COMMENT ON ${target} IS ${quoteLiteral(comment)};`;
}

export function renderPrivileges(target: string, privileges: readonly Privilege[]): string[] {
  return privileges.map((p) =>
    p.action === "grant"
      ? `GRANT ${p.privilege} ON ${target} TO ${p.role === "PUBLIC" ? "PUBLIC" : quoteIdentifier(p.role)};`
      : `REVOKE ${p.privilege} ON ${target} FROM ${p.role === "PUBLIC" ? "PUBLIC" : quoteIdentifier(p.role)};`,
  );
}

