/** @fileoverview Quoting of identifiers and literals in generated SQL. */

/** Quotes an identifier, always, so generated SQL never depends on the keyword list. */
export function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** Quotes `schema.name`. */
export function qualifiedName(schema: string, name: string): string {
  return quoteIdent(schema) + "." + quoteIdent(name);
}

/** `name` cut to PostgreSQL's 63-byte identifier limit, at a character boundary (as PostgreSQL cuts it). */
export function clipIdentifier(name: string): string {
  let bytes = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const width = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 4 : 3;
    if (bytes + width > 63) return name.substring(0, i);
    bytes += width;
    if (width == 4) i++;
  }
  return name;
}

/** Quotes a string literal (standard_conforming_strings is on in every supported version). */
export function quoteLiteral(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}
