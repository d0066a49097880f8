/** @fileoverview Quoting of identifiers and literals in generated SQL. */

/** Quotes an identifier, always, so generated SQL never depends on the keyword list. */
export function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** Quotes `schema.name`. */
export function qualifiedName(schema: string, name: string): string {
  return quoteIdent(schema) + "." + quoteIdent(name);
}

/** Quotes a string literal (standard_conforming_strings is on in every supported version). */
export function quoteLiteral(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}
