/**
 * @fileoverview Generates the engine's error enum, the C header and docs/errors.md from the
 * error catalog src/errors/errors.json.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

interface CatalogEntry { name: string; sqlstate: string; category: string; summary: string }

const NOTICE = "generated from src/errors/errors.json by `npm run build`; do not edit";

/** Reads the catalog. */
export function loadErrorCatalog(root: string): CatalogEntry[] {
  return JSON.parse(readFileSync(join(root, "src/errors/errors.json"), "utf8")).errors;
}

function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The AssemblyScript enum and lookups. */
export function renderEngineEnum(errors: CatalogEntry[]): string {
  const lines = [`// ${NOTICE}`, "", "/** Every error the engine can report, named as in the catalog. */", "export enum ErrorCode {"];
  errors.forEach((e, i) => lines.push(`  ${e.name} = ${i},`));
  lines.push("}", "", "/** The SQLSTATE of `code`. */", "export function errorSqlstate(code: ErrorCode): string {", "  switch (code) {");
  errors.forEach((e) => lines.push(`    case ErrorCode.${e.name}: return "${e.sqlstate}";`));
  lines.push('    default: return "XX000";', "  }", "}", "", "/** The catalog name of `code`. */", "export function errorName(code: ErrorCode): string {", "  switch (code) {");
  errors.forEach((e) => lines.push(`    case ErrorCode.${e.name}: return "${e.name}";`));
  lines.push('    default: return "EngineFault";', "  }", "}", "", "/** The category of `code`: user, schema, system or internal. */", "export function errorCategory(code: ErrorCode): string {", "  switch (code) {");
  errors.forEach((e) => lines.push(`    case ErrorCode.${e.name}: return "${e.category}";`));
  lines.push('    default: return "internal";', "  }", "}", "");
  return lines.join("\n");
}

/** The C header: one SQLSTATE macro per catalog entry. */
export function renderCHeader(errors: CatalogEntry[]): string {
  const lines = [`/* ${NOTICE} */`, "#ifndef PGT_ERRORS_H", "#define PGT_ERRORS_H", ""];
  for (const e of errors) {
    const s = e.sqlstate.split("").map((c) => `'${c}'`).join(",");
    lines.push(`/* ${e.summary} */`, `#define PGT_ERRCODE_${upperSnake(e.name)} MAKE_SQLSTATE(${s})`);
  }
  lines.push("", "#endif", "");
  return lines.join("\n");
}

/** docs/errors.md. */
export function renderErrorsDoc(errors: CatalogEntry[]): string {
  const lines = [`<!-- ${NOTICE} -->`, "# Errors", "",
    "Every error pg_trickle raises carries an explicit SQLSTATE. Errors are grouped by who can act on them:",
    "*user* (fix the call or the query), *schema* (a database object is missing or in the way),",
    "*system* (a resource or concurrency condition; retrying may help), *internal* (a bug: please report it).", "",
    "| name | SQLSTATE | category | meaning |", "|---|---|---|---|"];
  for (const e of errors) lines.push(`| ${e.name} | \`${e.sqlstate}\` | ${e.category} | ${e.summary} |`);
  lines.push("");
  return lines.join("\n");
}

/** Writes all three outputs under `root`. */
export function generateErrors(root: string): void {
  const errors = loadErrorCatalog(root);
  const outputs: [string, string][] = [
    ["src/engine/errors/codes.generated.ts", renderEngineEnum(errors)],
    ["build/generated/pgt_errors.h", renderCHeader(errors)],
    ["docs/errors.md", renderErrorsDoc(errors)],
  ];
  for (const [path, text] of outputs) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}
