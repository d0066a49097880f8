/**
 * @fileoverview Cases that only show up when the generated SQL runs: column types without
 * equality or without a hash function, a DEFERRABLE primary key, extreme integer values in SUM, names resolved
 * under another search_path, inheritance children, and a defining query with a trailing comment.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { createStreamTable, expectMatchesQuery, refresh, withExtensionDatabase } from "./oracle.ts";

for (const major of pgVersions()) {
  describe(`edge cases on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    beforeAll(async () => {
      client = database.client;
      // Tiny tables: AUTO's cost model could predict FULL cheaper on a few milliseconds of noise.
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });


    it("maintains a keyed stream table with a json column (a type without equality)", async () => {
      await client.query("CREATE TABLE docs (id int PRIMARY KEY, body json, n int)");
      await client.query(`INSERT INTO docs VALUES (1, '{"a": 1}', 1), (2, '[1, 2]', 2), (3, NULL, 3)`);
      await createStreamTable(client, "doc_bodies", "SELECT id, body, n FROM docs WHERE n > 0");
      await client.query(`UPDATE docs SET body = '{"a": 2}' WHERE id = 1; UPDATE docs SET n = n WHERE id = 2; DELETE FROM docs WHERE id = 3`);
      expect(await refresh(client, "doc_bodies")).toBe("DIFFERENTIAL");
      const rows = await client.query("SELECT id, body::text AS body, n FROM doc_bodies ORDER BY id");
      expect(rows.rows).toEqual([{ id: 1, body: '{"a": 2}', n: 1 }, { id: 2, body: "[1, 2]", n: 2 }]);
    });

    it("keeps the row that stays when a DEFERRABLE key has two rows until commit, in DIFFERENTIAL and IMMEDIATE mode", async () => {
      // Insert a second row of key 1, then delete the first: the buffer's last image of key 1 is a delete.
      await client.query("CREATE TABLE dk (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v int)");
      await client.query("INSERT INTO dk VALUES (1, 10), (2, 20)");
      const query = "SELECT id, v FROM dk";
      await createStreamTable(client, "dk_rows", query, "DIFFERENTIAL");
      await createStreamTable(client, "dk_rows_imm", query, "IMMEDIATE");
      await client.query("BEGIN; INSERT INTO dk VALUES (1, 11); DELETE FROM dk WHERE id = 1 AND v = 10; UPDATE dk SET id = 3 WHERE id = 2; COMMIT");
      expect(await refresh(client, "dk_rows")).toBe("DIFFERENTIAL");
      for (const name of ["dk_rows", "dk_rows_imm"]) await expectMatchesQuery(client, name, ["id", "v"], query, name);
      expect((await client.query("SELECT id, v FROM dk_rows ORDER BY id")).rows).toEqual([{ id: 1, v: 11 }, { id: 3, v: 20 }]);
    });

    it("identifies rows by values of types without a hash function (bit strings, money, tsvector)", async () => {
      await client.query("CREATE TABLE flags (b bit(3), vb varbit, m money, ts tsvector, bs bit(2)[])");
      await client.query(`INSERT INTO flags VALUES (B'101', B'1', 1.5, 'a b', '{01,10}'), (B'101', B'1', 1.5, 'a b', '{01,10}'),
        (B'011', NULL, 2, 'b', NULL), (NULL, B'0011', NULL, NULL, '{11}')`);
      const cases = [
        { name: "flags_rows", query: "SELECT b, vb, m, ts, bs FROM flags", columns: ["b", "vb", "m", "ts", "bs"] },
        { name: "flags_by_bits", query: "SELECT b, vb, count(*) AS n, sum(m) AS total FROM flags GROUP BY b, vb", columns: ["b", "vb", "n", "total"] },
        { name: "flags_distinct", query: "SELECT DISTINCT m, b & B'001' AS low FROM flags", columns: ["m", "low"] },
      ];
      for (const c of cases) await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
      for (const c of cases) await createStreamTable(client, `${c.name}_imm`, c.query, "IMMEDIATE");
      await client.query(`INSERT INTO flags VALUES (B'111', B'10', 3, 'c', '{00}'), (B'101', B'1', 1.5, 'a b', '{01,10}');
        UPDATE flags SET m = m + 1::money WHERE b = B'011'; DELETE FROM flags WHERE vb = B'0011';
        UPDATE flags SET b = B'000' WHERE ctid = (SELECT min(ctid) FROM flags WHERE b = B'101')`);
      for (const c of cases) {
        expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
        await expectMatchesQuery(client, c.name, c.columns, c.query, c.name);
        await expectMatchesQuery(client, `${c.name}_imm`, c.columns, c.query, `${c.name}_imm`);
      }
    });

    it("sums the extreme values of int4 and int8 without overflowing the delta", async () => {
      await client.query("CREATE TABLE extremes (id int PRIMARY KEY, g int, i4 int4, i8 int8)");
      await client.query("INSERT INTO extremes VALUES (1, 1, -2147483648, -9223372036854775808), (2, 1, 2147483647, 9223372036854775807), (3, 2, 5, 5)");
      const query = "SELECT g, sum(i4) AS s4, sum(i8) AS s8, count(i4) AS c FROM extremes GROUP BY g";
      await createStreamTable(client, "extreme_sums", query);
      await client.query("DELETE FROM extremes WHERE id = 1; INSERT INTO extremes VALUES (4, 2, -2147483648, -9223372036854775808)");
      expect(await refresh(client, "extreme_sums")).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, "extreme_sums", ["g", "s4", "s8", "c"], query);
    });

    it("resolves names as at creation, whatever search_path the refresh runs under", async () => {
      await client.query("CREATE SCHEMA app; CREATE TABLE app.accounts (id int PRIMARY KEY, owner text)");
      await client.query("CREATE FUNCTION app.shout(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT upper(t) || '!' $$");
      await client.query("INSERT INTO app.accounts VALUES (1, 'ann'), (2, 'bob')");
      await client.query("SET search_path = app, public");
      await createStreamTable(client, "public.loud", "SELECT id, shout(owner) AS owner FROM accounts");
      await client.query("RESET search_path");
      await client.query("INSERT INTO app.accounts VALUES (3, 'cy')");
      expect(await refresh(client, "loud")).toBe("DIFFERENTIAL");
      expect((await client.query("SELECT id, owner FROM loud ORDER BY id")).rows.map((r) => r.owner)).toEqual(["ANN!", "BOB!", "CY!"]);
      expect((await client.query("SHOW search_path")).rows[0].search_path).toBe('"$user", public');
      // The shim raises client_min_messages around its internal DDL; the session's value stays.
      expect((await client.query("SHOW client_min_messages")).rows[0].client_min_messages).toBe("notice");
    });

    it("refreshes a table with inheritance children differentially, its children captured too (more in inheritance.test.ts)", async () => {
      await client.query("CREATE TABLE parent (id int, v int); CREATE TABLE child () INHERITS (parent)");
      await client.query("INSERT INTO parent VALUES (1, 1); INSERT INTO child VALUES (2, 2)");
      await createStreamTable(client, "family", "SELECT id, v FROM parent", "AUTO");
      await client.query("INSERT INTO child VALUES (3, 3)");
      await client.query("UPDATE parent SET v = v + 1 WHERE id > 1");
      expect(await refresh(client, "family")).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, "family", ["id", "v"], "SELECT id, v FROM parent");
    });

    it("embeds a query that ends with a semicolon and a comment (TopK: its top rows recomputed)", async () => {
      await client.query("CREATE TABLE nums (n int)");
      await client.query("INSERT INTO nums SELECT generate_series(1, 20)");
      await createStreamTable(client, "top_nums", "SELECT n FROM nums ORDER BY n DESC LIMIT 3; -- the three largest", "AUTO");
      await client.query("INSERT INTO nums VALUES (100)");
      expect(await refresh(client, "top_nums")).toBe("DIFFERENTIAL");
      expect((await client.query("SELECT n FROM top_nums ORDER BY n")).rows.map((r) => r.n)).toEqual([19, 20, 100]);
    });
  });
}
