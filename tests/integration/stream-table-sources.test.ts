/**
 * @fileoverview Stream tables reading stream tables: the upstream is captured like a table, so the
 * delta each of its refreshes applies is the downstream's change source. Random DML through a
 * three-level chain (table → aggregate → filter, and a keyless projection of the aggregate) under
 * the multiset oracle; refreshes of both levels inside one transaction; an upstream FULL refresh
 * forcing the downstream FULL; the scheduler refreshing the chain upstream first; and the
 * dependency rows.
 */
import { describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { Random, expectMatchesQuery, matches, randomItemsStatement, refresh, waitFor, withExtensionDatabase } from "./oracle.ts";

const TOTALS = "SELECT grp, count(*) AS n, sum(val) AS s FROM items GROUP BY grp";
const BIG = "SELECT grp, s FROM totals WHERE s > 100";
const COUNTS = "SELECT n FROM totals";
const SEED = Number(process.env.PGTRICKLE_SEED ?? 7331);
const ROUNDS = Number(process.env.PGTRICKLE_ROUNDS ?? 25);

/** The downstream queries, rewritten over the base table (what each must equal). */
const BIG_OVER_ITEMS = `SELECT grp, s FROM (${TOTALS}) AS t WHERE s > 100`;
const COUNTS_OVER_ITEMS = `SELECT n FROM (${TOTALS}) AS t`;

for (const major of pgVersions()) {
  describe(`stream tables reading stream tables on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);

    async function expectAll(c: pg.ClientBase, context: string) {
      await expectMatchesQuery(c, "totals", ["grp", "n", "s"], TOTALS, context);
      await expectMatchesQuery(c, "big", ["grp", "s"], BIG_OVER_ITEMS, context);
      await expectMatchesQuery(c, "counts", ["n"], COUNTS_OVER_ITEMS, context);
    }

    it("maintains a chain differentially under random DML", async () => {
      const c = database.client;
      await c.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int, note text)");
      await c.query("INSERT INTO items SELECT g, g % 6, g % 40, NULL FROM generate_series(1, 120) g");
      await c.query("SELECT pgtrickle.create_stream_table('totals', $1, schedule => '1d', refresh_mode => 'DIFFERENTIAL')", [TOTALS]);
      await c.query("SELECT pgtrickle.create_stream_table('big', $1, schedule => '1d', refresh_mode => 'DIFFERENTIAL')", [BIG]);
      await c.query("SELECT pgtrickle.create_stream_table('counts', $1, schedule => '1d', refresh_mode => 'DIFFERENTIAL')", [COUNTS]);
      const deps = await c.query(`SELECT st.pgt_name, d.source_relid::regclass::text AS source, d.source_type, d.cdc_mode
          FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) ORDER BY 1`);
      expect(deps.rows).toEqual([
        { pgt_name: "big", source: "totals", source_type: "STREAM_TABLE", cdc_mode: "trigger" },
        { pgt_name: "counts", source: "totals", source_type: "STREAM_TABLE", cdc_mode: "trigger" },
        { pgt_name: "totals", source: "items", source_type: "TABLE", cdc_mode: "trigger" },
      ]);
      await c.query("SET pg_trickle.refresh_strategy = 'differential'");

      const r = new Random(SEED);
      let id = 1000;
      const actions = new Set<string>();
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = r.int(1, 4); i > 0; i--) await c.query(randomItemsStatement(r, () => ++id));
        await refresh(c, "totals");
        actions.add(await refresh(c, "big"));
        actions.add(await refresh(c, "counts"));
        await expectAll(c, `seed ${SEED} round ${round}`);
      }
      // The downstream refreshes applied deltas; none had to recompute.
      expect([...actions].filter((a) => a !== "NO_DATA")).toEqual(["DIFFERENTIAL"]);
    });

    it("applies upstream and downstream refreshes inside the writing transaction exactly once", async () => {
      const c = database.client;
      await c.query("BEGIN");
      await c.query("INSERT INTO items VALUES (5001, 2, 300, NULL), (5002, 77, 5, NULL)");
      await c.query("UPDATE items SET grp = 3 WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 5)");
      await refresh(c, "totals");
      expect(await refresh(c, "big")).toBe("DIFFERENTIAL");
      await refresh(c, "counts");
      await expectAll(c, "inside the transaction");
      await c.query("COMMIT");
      expect(await refresh(c, "totals")).toBe("NO_DATA");
      expect(await refresh(c, "big")).toBe("NO_DATA");
      await expectAll(c, "after commit");
    });

    it("keeps the downstream DIFFERENTIAL when the upstream has to refresh FULL (forced, or after a TRUNCATE)", async () => {
      const c = database.client;
      await c.query("DELETE FROM items WHERE id % 5 = 0");
      await c.query("SET pg_trickle.force_full_refresh = on");
      expect(await refresh(c, "totals")).toBe("FULL");
      await c.query("RESET pg_trickle.force_full_refresh");
      // The upstream's FULL refresh changed only what differed, and its capture recorded that.
      expect(await refresh(c, "big")).toBe("DIFFERENTIAL");
      expect(await refresh(c, "counts")).toBe("DIFFERENTIAL");
      await expectAll(c, "after a forced FULL refresh of the upstream");

      const saved = await c.query("SELECT * FROM items");
      await c.query("TRUNCATE items");
      await c.query("INSERT INTO items SELECT g, g % 4, g % 30, NULL FROM generate_series(1, 90) g");
      expect(await refresh(c, "totals")).toBe("FULL");
      expect(await refresh(c, "big")).toBe("DIFFERENTIAL");
      expect(await refresh(c, "counts")).toBe("DIFFERENTIAL");
      await expectAll(c, "after a TRUNCATE of the base table");
      expect(saved.rowCount).toBeGreaterThan(0);

      await c.query("UPDATE items SET val = val + 7 WHERE grp = 1");
      await refresh(c, "totals");
      expect(await refresh(c, "big")).toBe("DIFFERENTIAL");
      await refresh(c, "counts");
      await expectAll(c, "differential again");
    });

    it("keeps a downstream exact over a FULL-mode upstream with duplicate rows and values without equality", async () => {
      const c = database.client;
      await c.query("CREATE TABLE docs (id int PRIMARY KEY, tag text, body json)");
      await c.query(`INSERT INTO docs SELECT g, 't' || (g % 3), json_build_object('n', g % 2) FROM generate_series(1, 40) g`);
      // LIMIT without ORDER BY keeps the upstream FULL; its rows repeat (tag, body) and json has no equality operator.
      const upstream = "SELECT tag, body FROM docs LIMIT 1000";
      await c.query("SELECT pgtrickle.create_stream_table('doc_tags', $1, schedule => '1d')", [upstream]);
      await c.query("SELECT pgtrickle.create_stream_table('tag_counts', 'SELECT tag, count(*) AS n FROM doc_tags GROUP BY tag', schedule => '1d', refresh_mode => 'DIFFERENTIAL')");
      const expected = `SELECT tag, count(*) AS n FROM (${upstream}) AS u GROUP BY tag`;
      const r = new Random(SEED + 2);
      for (let round = 0; round < 8; round++) {
        await c.query(`UPDATE docs SET tag = 't' || ${r.int(0, 4)} WHERE id % ${r.int(3, 7)} = ${r.int(0, 2)}`);
        await c.query(`DELETE FROM docs WHERE id IN (SELECT id FROM docs ORDER BY random() LIMIT ${r.int(0, 3)})`);
        await c.query(`INSERT INTO docs SELECT 1000 + ${round} * 10 + g, 't' || (g % 2), json_build_object('n', g) FROM generate_series(1, ${r.int(0, 4)}) g`);
        expect(await refresh(c, "doc_tags")).toBe("FULL");
        expect(["DIFFERENTIAL", "NO_DATA"]).toContain(await refresh(c, "tag_counts"));
        await expectMatchesQuery(c, "tag_counts", ["tag", "n"], expected, `round ${round}`);
        const dup = await c.query(`SELECT (SELECT count(*) FROM doc_tags) AS st, (SELECT count(*) FROM (${upstream}) q) AS q`);
        expect(dup.rows[0].st).toBe(dup.rows[0].q);
      }
    });

    it("is refreshed by the scheduler upstream first, and the upstream cannot be dropped alone", async () => {
      const { client: c, db } = database;
      await c.query("SELECT pgtrickle.alter_stream_table('totals', schedule => 'calculated')");
      await c.query("SELECT pgtrickle.alter_stream_table('big', schedule => '1s')");
      await c.query("SELECT pgtrickle.alter_stream_table('counts', schedule => '1s')");
      await c.query(`ALTER DATABASE "${db.name}" SET pg_trickle.enabled = on`);
      await c.query("SELECT pg_reload_conf()");
      const r = new Random(SEED + 1);
      let id = 20000;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++) await c.query(randomItemsStatement(r, () => ++id));
        await waitFor(`round ${round}: the chain to converge`, async () =>
          (await matches(c, "big", ["grp", "s"], BIG_OVER_ITEMS)) && (await matches(c, "counts", ["n"], COUNTS_OVER_ITEMS)));
      }
      await c.query(`ALTER DATABASE "${db.name}" SET pg_trickle.enabled = off`);
      await c.query("SELECT pg_reload_conf()");
      const scheduled = await c.query(`SELECT DISTINCT s.pgt_name FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id)
                                         WHERE h.initiated_by = 'SCHEDULER' AND h.action <> 'NO_DATA' ORDER BY 1`);
      expect(scheduled.rows.map((row) => row.pgt_name)).toEqual(["big", "counts", "totals"]);

      const blocked = await c.query("SELECT pgtrickle.drop_stream_table('totals')").then(() => null, (e: pg.DatabaseError) => e);
      expect(blocked?.code).toBe("2BP01");
      await c.query("SELECT pgtrickle.drop_stream_table('totals', cascade => true)");
      const left = await c.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('totals', 'big', 'counts')");
      expect(left.rows[0].n).toBe(0);
      const buffer = await c.query("SELECT to_regclass('pgtrickle_changes.changes_' || 'items'::regclass::oid) IS NULL AS gone");
      expect(buffer.rows[0].gone).toBe(true);
    });
  });
}

for (const major of pgVersions()) {
  describe(`diamonds on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);

    /** D's two columns, and the count they must both equal once everything has caught up. */
    async function observe(c: pg.ClientBase): Promise<{ b: number; c: number; items: number }> {
      const r = await c.query("SELECT d.total_b, d.total_c, (SELECT count(*) FROM items) AS items FROM d");
      return { b: Number(r.rows[0].total_b), c: Number(r.rows[0].total_c), items: Number(r.rows[0].items) };
    }

    it("refreshes the members of a diamond in one transaction, so the convergence point never sees one new and one old", async () => {
      const { client: c, db } = database;
      await c.query("CREATE TABLE items (id int PRIMARY KEY, grp int)");
      await c.query("INSERT INTO items SELECT g, g % 3 FROM generate_series(1, 30) g");
      // A → B (due every second) and A → C (due hourly on its own), B + C → D.
      await c.query("SELECT pgtrickle.create_stream_table('b', 'SELECT grp, count(*) AS n FROM items GROUP BY grp', schedule => '1s')");
      await c.query("SELECT pgtrickle.create_stream_table('c', 'SELECT id, grp FROM items', schedule => '1h')");
      await c.query(`SELECT pgtrickle.create_stream_table('d', 'SELECT (SELECT sum(n) FROM b) AS total_b, (SELECT count(*) FROM c) AS total_c',
                       schedule => '1s', refresh_mode => 'FULL')`);
      const groups = await c.query("SELECT group_id, member_name, is_convergence, schedule_policy, epoch IS NOT NULL AS has_epoch FROM pgtrickle.diamond_groups()");
      expect(groups.rows).toEqual([
        { group_id: 1, member_name: "b", is_convergence: false, schedule_policy: "fastest", has_epoch: true },
        { group_id: 1, member_name: "c", is_convergence: false, schedule_policy: "fastest", has_epoch: true },
        { group_id: 1, member_name: "d", is_convergence: true, schedule_policy: "fastest", has_epoch: true },
      ]);

      await c.query(`ALTER DATABASE "${db.name}" SET pg_trickle.enabled = on`);
      await c.query("SELECT pg_reload_conf()");
      let id = 1000;
      for (let round = 0; round < 4; round++) {
        await c.query("INSERT INTO items SELECT g, g % 3 FROM generate_series($1::int, $1::int + 4) g", [id]);
        id += 5;
        await waitFor(`round ${round}: the diamond to converge`, async () => {
          const seen = await observe(c);
          expect(seen.b, `round ${round}: D saw B and C at different moments`).toBe(seen.c);
          return seen.b === seen.items;
        });
      }

      // Without atomic diamonds, C waits for its own hourly schedule and D sees new B with old C.
      await c.query("SELECT pgtrickle.alter_stream_table('d', diamond_consistency => 'none')");
      expect((await c.query("SELECT count(*)::int AS n FROM pgtrickle.diamond_groups()")).rows[0].n).toBe(0);
      await c.query("INSERT INTO items SELECT g, g % 3 FROM generate_series($1::int, $1::int + 4) g", [id]);
      await waitFor("B to refresh", async () => {
        const now = await observe(c);
        return now.b === now.items;
      });
      const seen = await observe(c);
      expect(seen.c).toBe(seen.items - 5);
      await c.query(`ALTER DATABASE "${db.name}" SET pg_trickle.enabled = off`);
      await c.query("SELECT pg_reload_conf()");
    });

    it("rejects invalid diamond settings", async () => {
      const c = database.client;
      const bad = await c.query("SELECT pgtrickle.alter_stream_table('d', diamond_schedule_policy => 'eventually')").then(() => null, (e: pg.DatabaseError) => e);
      expect([bad?.code, bad?.message, bad?.hint]).toEqual(["22023", 'invalid diamond_schedule_policy "eventually"', "Use 'fastest' or 'slowest'."]);
    });
  });
}
