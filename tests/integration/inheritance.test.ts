/**
 * @fileoverview Tables with inheritance children as sources. `FROM pt` reads pt and its
 * descendants (c1 with an extra column and another column order, c2, the grandchild g1), `FROM
 * ONLY pt` pt's own rows, `FROM c1` a child with a parent and a child of its own, and WITH
 * RECURSIVE reads both; each table is
 * captured row by row, and statements name any of them (with and without ONLY). Every case is
 * DIFFERENTIAL with an IMMEDIATE twin, checked by the multiset oracle after random rounds. Then
 * the DDL that moves rows in or out of a scan — CREATE TABLE ... INHERITS, ALTER TABLE ...
 * INHERIT / NO INHERIT, DROP TABLE of a child, a plain source gaining a child — reinitializes the
 * stream tables reading it (the IMMEDIATE ones at once), and dropping them removes the capture
 * of every child.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { pgVersions } from "../setup/pg.ts";
import {
  type OracleCase, Random, createStreamTable, errorOf, expectMatchesQuery, immediateTwin, randomRounds, refresh,
  storedOperatorTree, withExtensionDatabase,
} from "./oracle.ts";

const CASES: OracleCase[] = [
  { name: "inh_all", query: "SELECT id, k, v, tag FROM pt", columns: ["id", "k", "v", "tag"] },
  { name: "inh_only", query: "SELECT id, k, v, tag FROM ONLY pt", columns: ["id", "k", "v", "tag"] },
  { name: "inh_star", query: "SELECT p.id, p.v FROM pt* AS p WHERE p.k IS DISTINCT FROM 3", columns: ["id", "v"] },
  { name: "inh_agg", query: "SELECT k, count(*) AS n, sum(v) AS s, min(v) AS lo, max(tag) AS hi FROM pt GROUP BY k", columns: ["k", "n", "s", "lo", "hi"] },
  { name: "inh_only_agg", query: "SELECT count(*) AS n, avg(v) AS a FROM ONLY pt", columns: ["n", "a"] },
  { name: "inh_join", query: "SELECT p.id, p.v, d.label FROM pt AS p JOIN dim AS d ON d.k = p.k", columns: ["id", "v", "label"] },
  { name: "inh_child", query: "SELECT id, k, extra FROM c1", columns: ["id", "k", "extra"] },
  { name: "inh_distinct", query: "SELECT count(*) AS n FROM (SELECT DISTINCT tag FROM pt) AS t", columns: ["n"] },
  {
    name: "inh_recursive",
    query: "WITH RECURSIVE r(id, k) AS (SELECT id, k FROM ONLY pt WHERE k = 1 UNION SELECT p.id, p.k FROM pt AS p JOIN r ON p.k = r.k + 1) SELECT id, k FROM r",
    columns: ["id", "k"],
  },
];

/** The tables random statements write, the parent named with or without ONLY. */
const TABLES = ["pt", "ONLY pt", "c1", "ONLY c1", "c2", "g1"];

/**
 * One random statement on the hierarchy: inserts (ids that repeat across tables, NULLs, exact
 * duplicates in the keyless children), deletes, updates of values, of k to NULL, and of keys.
 */
function randomHierarchyStatement(r: Random, nextId: () => number): string {
  const k = () => (r.chance(0.15) ? "NULL" : String(r.int(1, 5)));
  const v = () => (r.chance(0.1) ? "NULL" : String(r.int(0, 20)));
  const tag = () => (r.chance(0.15) ? "NULL" : `'t${r.int(1, 3)}'`);
  const table = r.pick(TABLES);
  const target = table.replace("ONLY ", "");
  switch (r.int(0, 7)) {
    case 0:
    case 1: {
      const id = () => (target === "pt" ? nextId() : r.chance(0.3) ? r.int(1, 30) : nextId());
      const row = () => target === "pt" || target === "c2" ? `(${id()}, ${k()}, ${v()}, ${tag()})`
        : target === "c1" ? `(${v()}, ${tag()}, ${r.int(0, 9)}, ${k()}, ${id()})`
        : `(${id()}, ${k()}, ${v()}, ${tag()}, ${r.int(0, 9)}, 'g')`;
      const columns = target === "g1" ? " (id, k, v, tag, extra, gx)" : "";
      const first = row();
      const rows = Array.from({ length: r.int(1, 4) }, () => (target !== "pt" && r.chance(0.3) ? first : row()));
      if (target === "pt") return `INSERT INTO pt VALUES ${rows.join(", ")}`;
      return `INSERT INTO ${target}${columns} VALUES ${rows.join(", ")}`;
    }
    case 2: return `DELETE FROM ${table} WHERE k = ${r.int(1, 5)} AND random() < 0.4`;
    case 3: return `UPDATE ${table} SET k = ${k()} WHERE random() < 0.15`;
    case 4: return `UPDATE ${table} SET v = ${v()}, tag = ${tag()} WHERE id % ${r.int(3, 7)} = ${r.int(0, 2)}`;
    case 5: return `UPDATE ${table} SET id = id + 100000 WHERE id IN (SELECT id FROM ${table} WHERE id < 100000 ORDER BY random() LIMIT ${r.int(1, 3)})`;
    case 6: return `UPDATE dim SET label = ${tag()} WHERE k = ${r.int(1, 5)}`;
    default: return `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} ORDER BY random() LIMIT 2)`;
  }
}

const ROUNDS = Number(process.env.PGTRICKLE_ROUNDS ?? 20);

/** The tables holding a pg_trickle capture trigger, and the change buffers, by table name. */
async function captureState(client: pg.ClientBase): Promise<{ triggers: string[]; buffers: string[] }> {
  const triggers = await client.query(`SELECT DISTINCT t.tgrelid::regclass::text AS rel FROM pg_trigger t
    WHERE t.tgname LIKE 'pgtrickle\\_capture\\_%' OR t.tgname LIKE 'pgtrickle\\_ivm\\_%' ORDER BY 1`);
  const buffers = await client.query(`SELECT b.oid::regclass::text AS rel FROM pg_class c
    JOIN pg_class b ON b.relnamespace = 'pgtrickle_changes'::regnamespace AND b.relname = 'changes_' || c.oid
    ORDER BY c.relname`);
  return { triggers: triggers.rows.map((row) => row.rel), buffers: buffers.rows.map((row) => row.rel) };
}

for (const major of pgVersions()) {
  describe(`inheritance children as sources on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);
    let client: pg.Client;

    const checkAll = async (context: string, cases = CASES) => {
      for (const c of cases) {
        await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} ${context}`);
        await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} ${context}`);
      }
    };
    const refreshAll = async (cases = CASES) => {
      const actions: string[] = [];
      for (const c of cases) actions.push(await refresh(client, c.name));
      return actions;
    };

    beforeAll(async () => {
      client = database.client;
      await client.query("CREATE TABLE pt (id int PRIMARY KEY, k int, v int, tag text)");
      // Another column order and an extra column; attached after creation.
      await client.query("CREATE TABLE c1 (extra int, tag text, v int, k int, id int NOT NULL)");
      await client.query("ALTER TABLE c1 INHERIT pt");
      await client.query("CREATE TABLE c2 () INHERITS (pt)");
      await client.query("CREATE TABLE g1 (gx text) INHERITS (c1)");
      await client.query("CREATE TABLE dim (k int PRIMARY KEY, label text)");
      await client.query("INSERT INTO dim SELECT g, 'd' || g FROM generate_series(1, 4) g");
      await client.query("INSERT INTO pt SELECT g, NULLIF(g % 6, 0), g % 11, 't' || (g % 3) FROM generate_series(1, 30) g");
      await client.query("INSERT INTO c1 SELECT g % 4, 't' || (g % 2), g % 7, NULLIF(g % 5, 0), g FROM generate_series(10, 30) g");
      await client.query("INSERT INTO c2 SELECT g, g % 5, g % 9, NULL FROM generate_series(20, 35) g");
      await client.query("INSERT INTO c2 SELECT id, k, v, tag FROM c2 WHERE id < 24");
      await client.query("INSERT INTO g1 (id, k, v, tag, extra, gx) SELECT g, g % 4, g, 't1', 1, 'g' FROM generate_series(5, 15) g");
      for (const c of CASES) {
        await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
        await createStreamTable(client, immediateTwin(c), c.query, "IMMEDIATE");
      }
      await client.query("SET pg_trickle.refresh_strategy = 'differential'");
    });

    it("reads the descendants, or with ONLY none of them, in every SQL it renders", async () => {
      expect(await storedOperatorTree(client, "inh_all")).toBe("Project(Scan(public.pt*))");
      expect(await storedOperatorTree(client, "inh_only")).toBe("Project(Scan(ONLY public.pt))");
      const only = await client.query("SELECT refresh_program::text AS p FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'inh_only'");
      expect(only.rows[0].p).toContain('ONLY \\"public\\".\\"pt\\"');
      const sources = await client.query(`SELECT s->>'name' AS name, s->>'role' AS role FROM pgtrickle.pgt_stream_tables,
        jsonb_array_elements(refresh_program->'sources') AS s WHERE pgt_name = $1 ORDER BY 1`, ["inh_child"]);
      expect(sources.rows).toEqual([{ name: "c1", role: null }, { name: "g1", role: "inherited" }, { name: "pt", role: "ancestor" }]);
      await checkAll("initial");
    });

    it(`stays exact over ${ROUNDS} rounds of random DML on the parent and its descendants`, async () => {
      const seed = Number(process.env.PGTRICKLE_SEED ?? 4242);
      const actions = await randomRounds(client, CASES, ROUNDS, seed, randomHierarchyStatement, CASES);
      expect([...actions.keys()].sort()).toEqual(["DIFFERENTIAL", "NO_DATA"].filter((a) => actions.has(a)));
    }, 600_000);

    it("a child created with INHERITS is captured and its rows are read", async () => {
      await client.query("CREATE TABLE c3 (note text, id int NOT NULL, k int, v int, tag text) INHERITS (pt)");
      await client.query("INSERT INTO c3 (id, k, v, tag, note) VALUES (501, 1, 5, 't1', 'x'), (502, NULL, 6, NULL, 'y')");
      for (const c of CASES) await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} after CREATE TABLE c3`);
      expect(await refreshAll()).toEqual(CASES.map(() => "REINITIALIZE"));
      await checkAll("after CREATE TABLE c3 INHERITS (pt) and a refresh");
      await client.query("UPDATE c3 SET v = v + 1, k = 2");
      await client.query("UPDATE pt SET v = v - 1 WHERE id IN (501, 502)");
      // c3's rows are no row of ONLY pt or of c1.
      expect(await refreshAll()).toEqual(CASES.map((c) => (["inh_only", "inh_only_agg", "inh_child"].includes(c.name) ? "NO_DATA" : "DIFFERENTIAL")));
      await checkAll("after DML on c3");
    });

    it("ALTER TABLE ... INHERIT brings a table's rows in, NO INHERIT takes them out", async () => {
      await client.query("CREATE TABLE loose (id int NOT NULL, k int, v int, tag text, extra int)");
      await client.query("INSERT INTO loose VALUES (601, 1, 1, 't1', 7), (602, 2, 2, NULL, 8), (602, 2, 2, NULL, 8)");
      await client.query("ALTER TABLE loose INHERIT c1");
      // IMMEDIATE ones at once, the others after a refresh that reinitializes them.
      for (const c of CASES) await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} after INHERIT`);
      expect(await refresh(client, "inh_all")).toBe("REINITIALIZE");
      expect(await refresh(client, "inh_child")).toBe("REINITIALIZE");
      await refreshAll();
      await checkAll("after ALTER TABLE loose INHERIT c1");
      await client.query("UPDATE pt SET v = 100 WHERE id = 601");
      await client.query("DELETE FROM c1 WHERE id = 602");
      await refreshAll();
      await checkAll("after DML through the parents of loose");

      await client.query("ALTER TABLE c2 NO INHERIT pt");
      for (const c of CASES) await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} after NO INHERIT`);
      expect(await refresh(client, "inh_all")).toBe("REINITIALIZE");
      await refreshAll();
      await checkAll("after ALTER TABLE c2 NO INHERIT pt");
      await client.query("INSERT INTO c2 VALUES (701, 1, 1, 't1')");
      await client.query("UPDATE c2 SET v = v + 1");
      await client.query("UPDATE pt SET v = v + 1 WHERE k = 1");
      await refreshAll();
      await checkAll("after DML on the former child c2");
      // c2 is read by no stream table any more: its capture is gone.
      expect((await captureState(client)).triggers).not.toContain("c2");
    });

    it("dropping a child reinitializes its readers; they stay ACTIVE", async () => {
      await client.query("DROP TABLE g1");
      const status = await client.query("SELECT DISTINCT status FROM pgtrickle.pgt_stream_tables");
      expect(status.rows).toEqual([{ status: "ACTIVE" }]);
      for (const c of CASES) await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} after DROP TABLE g1`);
      expect(await refresh(client, "inh_child")).toBe("REINITIALIZE");
      await refreshAll();
      await checkAll("after DROP TABLE g1");
      const r = new Random(77);
      let id = 90000;
      for (let done = 0; done < 15;) {
        const statement = randomHierarchyStatement(r, () => ++id);
        if (statement.includes("g1")) continue;
        await client.query(statement);
        done++;
      }
      await refreshAll();
      await checkAll("after DML once g1 is gone");
    });

    it("a plain source that gains a child switches to row capture and reads the child", async () => {
      await client.query("CREATE TABLE solo (id int PRIMARY KEY, v int)");
      await client.query("INSERT INTO solo SELECT g, g FROM generate_series(1, 10) g");
      const solo: OracleCase[] = [
        { name: "solo_all", query: "SELECT id, v FROM solo", columns: ["id", "v"] },
        { name: "solo_only", query: "SELECT sum(v) AS s, count(*) AS n FROM ONLY solo", columns: ["s", "n"] },
      ];
      for (const c of solo) {
        await createStreamTable(client, c.name, c.query, "DIFFERENTIAL");
        await createStreamTable(client, immediateTwin(c), c.query, "IMMEDIATE");
      }
      await client.query("CREATE TABLE solo_kid () INHERITS (solo)");
      await client.query("INSERT INTO solo_kid SELECT g, g * 10 FROM generate_series(5, 12) g");
      // A statement naming the parent changes the child's rows.
      await client.query("UPDATE solo SET v = v + 1 WHERE id > 6");
      await client.query("DELETE FROM solo WHERE id = 5");
      await refreshAll(solo);
      await checkAll("after solo gained a child", solo);
      await client.query("UPDATE ONLY solo SET v = 0 WHERE id = 8");
      await client.query("UPDATE solo_kid SET id = id + 100 WHERE id = 9");
      expect(await refreshAll(solo)).toEqual(["DIFFERENTIAL", "DIFFERENTIAL"]);
      await checkAll("after more DML on solo and its child", solo);
    });

    it("FULL and AUTO stream tables over the hierarchy keep working", async () => {
      await createStreamTable(client, "inh_full", "SELECT id, v FROM pt", "FULL");
      await createStreamTable(client, "inh_auto", "SELECT k, count(*) AS n FROM ONLY pt GROUP BY k", "AUTO");
      expect(await storedOperatorTree(client, "inh_auto")).toBe("Aggregate(Scan(ONLY public.pt))");
      await client.query("UPDATE pt SET v = v + 3 WHERE k = 2");
      await client.query("INSERT INTO pt VALUES (880001, 2, 1, NULL)");
      expect(await refresh(client, "inh_full")).toBe("FULL");
      expect(await refresh(client, "inh_auto")).toBe("DIFFERENTIAL");
      await expectMatchesQuery(client, "inh_full", ["id", "v"], "SELECT id, v FROM pt", "FULL");
      await expectMatchesQuery(client, "inh_auto", ["k", "n"], "SELECT k, count(*) AS n FROM ONLY pt GROUP BY k", "AUTO");
    });

    it("a child that is a foreign table is refused with 0A000 and a hint", async () => {
      await client.query("CREATE FOREIGN DATA WRAPPER inh_dummy");
      await client.query("CREATE SERVER inh_server FOREIGN DATA WRAPPER inh_dummy");
      await client.query("CREATE TABLE with_foreign (id int)");
      await client.query("CREATE FOREIGN TABLE foreign_kid () INHERITS (with_foreign) SERVER inh_server");
      const err = await errorOf(() => createStreamTable(client, "inh_foreign", "SELECT id FROM with_foreign", "DIFFERENTIAL"));
      expect(err.code).toBe("0A000");
      expect(err.message).toBe("a table with an inheritance child that is a foreign table is not supported in DIFFERENTIAL mode");
      expect(err.hint).toBeTruthy();
      // Without the child it is read with ONLY.
      await createStreamTable(client, "inh_foreign_only", "SELECT id FROM ONLY with_foreign", "DIFFERENTIAL");
    });

    it("dropping the stream tables removes the capture of every table of the hierarchy", async () => {
      const names = await client.query("SELECT format('%I.%I', pgt_schema, pgt_name) AS n FROM pgtrickle.pgt_stream_tables");
      for (const row of names.rows) await client.query("SELECT pgtrickle.drop_stream_table($1)", [row.n]);
      expect(await captureState(client)).toEqual({ triggers: [], buffers: [] });
    });
  });
}
