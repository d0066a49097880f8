/**
 * @fileoverview Views as sources: inlined (a view over a join, a view of a view, renamed view
 * columns, a view on the nullable side of an outer join), their tables captured, exact under
 * random DML. CREATE OR REPLACE VIEW marks the readers for reinitialization: the next refresh
 * recompiles the program (capturing a table the view now reads) and recomputes; DROP VIEW puts
 * the readers in status ERROR.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { Random, createItemsAndEvents, createStreamTable, errorOf, expectMatchesQuery, randomItemsStatement, refresh, withExtensionDatabase } from "./oracle.ts";

interface Case { name: string; query: string; columns: string[] }

const CASES: Case[] = [
  { name: "v_group", query: "SELECT grp, sum(v2) AS s, count(*) AS n FROM v_items GROUP BY grp", columns: ["grp", "s", "n"] },
  { name: "v_join_group", query: "SELECT v.label, count(*) AS n, avg(v.val) AS a FROM v_join AS v GROUP BY v.label", columns: ["label", "n", "a"] },
  { name: "v_of_view", query: "SELECT * FROM v_vv", columns: ["id", "label"] },
  { name: "v_renamed", query: "SELECT k, max(amount) AS m FROM v_named GROUP BY k", columns: ["k", "m"] },
  // A CTE named like the view's table: the view still reads the table.
  { name: "v_cte_shadow", query: "WITH items AS (SELECT grp, label FROM cats) SELECT v.id, items.label FROM v_items AS v JOIN items USING (grp)", columns: ["id", "label"] },
  { name: "v_nullable", query: "SELECT c.grp, v.id FROM cats AS c LEFT JOIN v_items AS v ON v.grp = c.grp", columns: ["grp", "id"] },
];

const ROUNDS = Number(process.env.PGTRICKLE_ROUNDS ?? 20);

for (const major of pgVersions()) {
  describe(`views on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    const checkAll = async (context: string) => {
      for (const c of CASES) await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} ${context}`);
    };

    beforeAll(async () => {
      client = database.client;
      await createItemsAndEvents(client);
      await client.query("CREATE TABLE cats (grp int PRIMARY KEY, label text)");
      await client.query("INSERT INTO cats VALUES (1, 'one'), (2, 'two'), (3, 'odd'), (5, 'odd'), (9, 'none')");
      await client.query("CREATE VIEW v_items AS SELECT id, grp, val * 2 AS v2, note FROM items WHERE val > 0");
      await client.query("CREATE VIEW v_join AS SELECT i.id, c.label, i.val FROM items i JOIN cats c ON c.grp = i.grp");
      await client.query("CREATE VIEW v_vv AS SELECT id, label FROM v_join WHERE val < 30");
      await client.query("CREATE VIEW v_named (k, amount) AS SELECT grp, val FROM items");
      for (const c of CASES) await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });

    it("reads the views' tables: they are captured, the views are dependencies", async () => {
      const deps = await client.query(`SELECT s.pgt_name, d.source_relid::regclass::text AS source, d.source_type, d.cdc_mode
        FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables s USING (pgt_id)
        WHERE s.pgt_name = 'v_join_group' ORDER BY 2`);
      expect(deps.rows).toEqual([
        { pgt_name: "v_join_group", source: "cats", source_type: "TABLE", cdc_mode: "trigger" },
        { pgt_name: "v_join_group", source: "items", source_type: "TABLE", cdc_mode: "trigger" },
        { pgt_name: "v_join_group", source: "v_join", source_type: "VIEW", cdc_mode: "none" },
      ]);
      await checkAll("initial");
    });

    it(`stays exact over ${ROUNDS} rounds of random DML on the views' tables`, async () => {
      const seed = Number(process.env.PGTRICKLE_SEED ?? 4400 + major);
      const r = new Random(seed);
      let id = 1000;
      for (let round = 1; round <= ROUNDS; round++) {
        for (let s = r.int(1, 5); s > 0; s--) {
          if (r.chance(0.8)) await client.query(randomItemsStatement(r, () => ++id));
          else await client.query(`UPDATE cats SET grp = ${r.int(1, 9)}, label = ${r.chance(0.2) ? "NULL" : `'l${r.int(1, 3)}'`} WHERE grp = ${r.int(1, 9)}`).catch(() => undefined);
        }
        for (const c of CASES) expect(["DIFFERENTIAL", "NO_DATA"]).toContain(await refresh(client, c.name));
        await checkAll(`round ${round} seed ${seed}`);
      }
    });

    it("CREATE OR REPLACE VIEW reinitializes the readers once, then they are differential again", async () => {
      await client.query("CREATE OR REPLACE VIEW v_items AS SELECT id, grp, val * 3 AS v2, note FROM items WHERE val > 5");
      const marked = await client.query("SELECT pgt_name FROM pgtrickle.pgt_stream_tables WHERE needs_reinit ORDER BY 1");
      expect(marked.rows.map((row) => row.pgt_name)).toEqual(["v_cte_shadow", "v_group", "v_nullable"]);
      for (const name of ["v_cte_shadow", "v_group", "v_nullable"]) expect(await refresh(client, name)).toBe("REINITIALIZE");
      await checkAll("after replacing v_items");
      await client.query("UPDATE items SET val = val + 7 WHERE id % 9 = 0");
      for (const c of CASES) expect(await refresh(client, c.name)).toBe("DIFFERENTIAL");
      await checkAll("after replacing v_items and more DML");
      expect((await client.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables WHERE needs_reinit")).rows).toEqual([{ n: 0 }]);
    });

    it("a replaced view that reads a new table gets that table captured", async () => {
      await client.query("CREATE OR REPLACE VIEW v_named (k, amount, lbl) AS SELECT i.grp, i.val, c.label FROM items i JOIN cats c ON c.grp = i.grp");
      expect(await refresh(client, "v_renamed")).toBe("REINITIALIZE");
      await client.query("INSERT INTO items VALUES (990001, 100, 5, 'x')");
      expect(await refresh(client, "v_renamed")).toBe("DIFFERENTIAL");
      // Only a change of cats brings group 100 in: cats is captured now.
      await client.query("INSERT INTO cats VALUES (100, 'hundred')");
      expect(await refresh(client, "v_renamed")).toBe("DIFFERENTIAL");
      expect((await client.query("SELECT m FROM v_renamed WHERE k = 100")).rows).toEqual([{ m: 5 }]);
      for (const c of CASES) await refresh(client, c.name);
      await checkAll("after v_named joins cats");
    });

    it("a replaced view whose result no longer fits the stream table fails the refresh with 42P16", async () => {
      await client.query("CREATE VIEW v_shape AS SELECT grp, val FROM items");
      await createStreamTable(client, "v_shape_st", "SELECT * FROM v_shape", "DIFFERENTIAL");
      await client.query("CREATE OR REPLACE VIEW v_shape AS SELECT grp, val, note FROM items");
      const err = await errorOf(() => refresh(client, "v_shape_st"));
      expect(err.code).toBe("42P16");
      expect(err.message).toBe('the defining query of stream table "v_shape_st" no longer produces its columns');
    });

    it("DROP VIEW puts its readers in status ERROR", async () => {
      await client.query("DROP VIEW v_vv");
      const row = await client.query("SELECT status, last_error_message FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'v_of_view'");
      expect(row.rows).toEqual([{ status: "ERROR", last_error_message: "source view public.v_vv was dropped" }]);
      expect((await errorOf(() => refresh(client, "v_of_view"))).code).toBe("42P01");
    });

    it("a query reading a view is kept current in IMMEDIATE mode by writes to the view's tables", async () => {
      const query = "SELECT grp, sum(v2) AS s, count(*) AS n FROM v_items GROUP BY grp";
      await createStreamTable(client, "v_imm", query, "IMMEDIATE");
      await client.query("INSERT INTO items SELECT 700000 + g, g % 3, g, 'imm' FROM generate_series(1, 20) g");
      await expectMatchesQuery(client, "v_imm", ["grp", "s", "n"], query, "after insert");
      await client.query("UPDATE items SET val = -val WHERE id BETWEEN 700001 AND 700010");
      await expectMatchesQuery(client, "v_imm", ["grp", "s", "n"], query, "after update");
      await client.query("DELETE FROM items WHERE id > 700000");
      await expectMatchesQuery(client, "v_imm", ["grp", "s", "n"], query, "after delete");
      await client.query("SELECT pgtrickle.drop_stream_table('v_imm')");
    });
  });
}
