/**
 * @fileoverview The multiset oracle over many rounds of random DML, for every kind of stream
 * table this version maintains differentially (keyed and keyless projections, grouped and
 * global aggregates, DISTINCT) plus one AUTO → FULL fallback, on every PostgreSQL under test.
 * Every differentiable case also has an IMMEDIATE twin (`<name>_imm`), never refreshed, which
 * must equal the query after the same statements, savepoints, rollbacks and TRUNCATEs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import { Random, createItemsAndEvents, createStreamTable, expectMatchesQuery, randomEventsStatement, randomItemsStatement, refresh, withExtensionDatabase } from "./oracle.ts";

interface Case { name: string; query: string; columns: string[]; mode?: string }

const CASES: Case[] = [
  { name: "keyed_filter", query: "SELECT id, val * 2 AS v2, note FROM items WHERE val > 10", columns: ["id", "v2", "note"] },
  { name: "keyed_no_pk_output", query: "SELECT grp, val, upper(note) AS loud FROM items WHERE note IS NOT NULL", columns: ["grp", "val", "loud"] },
  { name: "keyed_guarded_division", query: "SELECT id, 100 / val AS inv FROM items WHERE val <> 0", columns: ["id", "inv"] },
  { name: "group_counts", query: "SELECT grp, count(*) AS n, count(val) AS nv, sum(val) AS s FROM items GROUP BY grp", columns: ["grp", "n", "nv", "s"] },
  { name: "group_expression", query: "SELECT grp % 3 AS g3, sum(val) AS s, count(*) + 1 AS n1 FROM items WHERE val IS NOT NULL GROUP BY grp % 3", columns: ["g3", "s", "n1"] },
  { name: "group_two_keys", query: "SELECT grp, note, sum(val) AS s FROM items GROUP BY grp, note", columns: ["grp", "note", "s"] },
  { name: "global_aggregate", query: "SELECT count(*) AS n, sum(val) AS s, count(note) AS nn FROM items", columns: ["n", "s", "nn"] },
  { name: "global_filtered_empty", query: "SELECT count(*) AS n, sum(val) AS s FROM items WHERE val > 1000", columns: ["n", "s"] },
  { name: "distinct_pairs", query: "SELECT DISTINCT grp, note FROM items", columns: ["grp", "note"] },
  // Integer constants as keys: in GROUP BY an integer means a position, so keys go by position.
  { name: "constant_key", query: "SELECT -1 AS k, grp, count(*) AS n FROM items GROUP BY 1, grp", columns: ["k", "grp", "n"] },
  { name: "distinct_with_constant", query: "SELECT DISTINCT 3 AS d, grp FROM items", columns: ["d", "grp"] },
  { name: "keyless_scan", query: "SELECT a, b FROM events WHERE a IS DISTINCT FROM 5", columns: ["a", "b"] },
  { name: "keyless_group", query: "SELECT b, count(*) AS n, sum(a) AS s FROM events GROUP BY b", columns: ["b", "n", "s"] },
  { name: "keyless_distinct", query: "SELECT DISTINCT a FROM events", columns: ["a"] },
  { name: "auto_full_fallback", query: "SELECT grp, max(val) AS m FROM items WHERE random() < 2 GROUP BY grp", columns: ["grp", "m"], mode: "AUTO" },
];

const IMMEDIATE_CASES = CASES.filter((c) => c.mode === undefined);

const ROUNDS = Number(process.env.PGTRICKLE_ROUNDS ?? 30);

for (const major of pgVersions()) {
  describe(`differential oracle on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    beforeAll(async () => {
      client = database.client;
      await createItemsAndEvents(client);
      for (const c of CASES) await createStreamTable(client, c.name, c.query, c.mode ?? "DIFFERENTIAL");
      for (const c of IMMEDIATE_CASES) await createStreamTable(client, `${c.name}_imm`, c.query, "IMMEDIATE");
      // Exercise the delta rules on every round; the change-ratio fallback to FULL is tested below.
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });


    it("every stream table equals its query right after creation", async () => {
      for (const c of CASES) await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} initial`);
      for (const c of IMMEDIATE_CASES) await expectMatchesQuery(client, `${c.name}_imm`, c.columns, c.query, `${c.name}_imm initial`);
    });

    it(`stays exact over ${ROUNDS} rounds of random DML`, async () => {
      const seed = Number(process.env.PGTRICKLE_SEED ?? 20261121 + major);
      const r = new Random(seed);
      let id = 1000;
      const nextId = () => (r.chance(0.05) ? r.int(1, 200) : ++id); // sometimes a duplicate key: that statement fails
      for (let round = 1; round <= ROUNDS; round++) {
        const transactional = r.chance(0.4);
        if (transactional) await client.query("BEGIN");
        for (let s = r.int(1, 6); s > 0; s--) {
          const sql = r.chance(0.5) ? randomItemsStatement(r, nextId) : randomEventsStatement(r);
          if (transactional) await client.query("SAVEPOINT s");
          try {
            await client.query(sql);
          } catch {
            // A duplicate key: the statement and its captured changes roll back together.
            if (transactional) await client.query("ROLLBACK TO SAVEPOINT s");
          }
        }
        if (transactional) await client.query(r.chance(0.2) ? "ROLLBACK" : "COMMIT");
        if (round % 10 === 0) await client.query("TRUNCATE events; INSERT INTO events SELECT g % 4, 'k' || (g % 2) FROM generate_series(1, 30) g");
        for (const c of IMMEDIATE_CASES) {
          await expectMatchesQuery(client, `${c.name}_imm`, c.columns, c.query, `${c.name}_imm round ${round} seed ${seed}`);
        }
        for (const c of CASES) {
          await refresh(client, c.name);
          await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} round ${round} seed ${seed}`);
        }
      }
    });

    it("records DIFFERENTIAL refreshes for differentiable stream tables and FULL for the fallback", async () => {
      // With refresh_strategy auto, the random rounds' history could already predict FULL cheaper on these small tables.
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
      await client.query("ANALYZE items");
      await client.query("UPDATE items SET val = val + 3 WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 3)");
      expect(await refresh(client, "group_counts")).toBe("DIFFERENTIAL");
      expect(await refresh(client, "keyed_filter")).toBe("DIFFERENTIAL");
      expect(await refresh(client, "auto_full_fallback")).toBe("FULL");
      expect(await refresh(client, "group_counts")).toBe("NO_DATA");
      await client.query("TRUNCATE events");
      expect(await refresh(client, "keyless_scan")).toBe("FULL");
      await expectMatchesQuery(client, "keyless_scan", ["a", "b"], CASES.find((c) => c.name === "keyless_scan")!.query);
      await client.query("RESET pg_trickle.refresh_strategy");
    });

    it("records why each refresh was DIFFERENTIAL or FULL, and explain_refresh_mode shows a fallback's reason", async () => {
      // A new stream table: no history of DIFFERENTIAL refreshes yet, so no cost prediction either.
      await createStreamTable(client, "why", CASES.find((c) => c.name === "group_counts")!.query, "DIFFERENTIAL");
      const last = async () => (await client.query(`SELECT h.action, h.decision_reason, h.fallback_reason FROM pgtrickle.pgt_refresh_history h
        JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name = 'why' ORDER BY h.refresh_id DESC LIMIT 1`)).rows[0];
      const explained = async () => (await client.query("SELECT * FROM pgtrickle.explain_refresh_mode('why')")).rows[0];
      await client.query("SET pg_trickle.differential_max_change_ratio = 0.05");
      await client.query("UPDATE items SET val = val + 1 WHERE id % 2 = 0");
      expect(await refresh(client, "why")).toBe("FULL");
      const full = await last();
      expect(full.decision_reason).toMatch(/^\d+ pending changes exceed pg_trickle.differential_max_change_ratio of \d+ source rows$/);
      expect(full.fallback_reason).toBe(full.decision_reason);
      expect(await explained()).toEqual({ configured_mode: "DIFFERENTIAL", effective_mode: "FULL", downgrade_reason: full.decision_reason });
      await client.query("UPDATE items SET val = val + 1 WHERE id = (SELECT min(id) FROM items)");
      expect(await refresh(client, "why")).toBe("DIFFERENTIAL");
      const differential = await last();
      expect(differential.decision_reason).toMatch(/^2 pending changes, at most pg_trickle.differential_max_change_ratio of \d+ source rows/);
      expect(differential.fallback_reason).toBeNull();
      expect(await explained()).toEqual({ configured_mode: "DIFFERENTIAL", effective_mode: "DIFFERENTIAL", downgrade_reason: null });
      await client.query("RESET pg_trickle.differential_max_change_ratio");
    });

    it("pg_trickle.full_refresh_every makes every N-th refresh with changes FULL", async () => {
      const change = () => client.query("UPDATE items SET val = val + 1 WHERE id = (SELECT min(id) FROM items)");
      await client.query("SET pg_trickle.force_full_refresh = on");
      await change();
      expect(await refresh(client, "group_counts")).toBe("FULL");
      await client.query("RESET pg_trickle.force_full_refresh");
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
      await client.query("SET pg_trickle.full_refresh_every = 3");
      const actions: string[] = [];
      for (let i = 0; i < 6; i++) {
        await change();
        actions.push(await refresh(client, "group_counts"));
      }
      expect(actions).toEqual(["DIFFERENTIAL", "DIFFERENTIAL", "FULL", "DIFFERENTIAL", "DIFFERENTIAL", "FULL"]);
      await client.query("RESET pg_trickle.full_refresh_every");
      await client.query("RESET pg_trickle.refresh_strategy");
      await expectMatchesQuery(client, "group_counts", ["grp", "n", "nv", "s"], CASES.find((c) => c.name === "group_counts")!.query);
    });
  });
}
