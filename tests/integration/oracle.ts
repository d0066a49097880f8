/**
 * @fileoverview The correctness oracle and randomised DML shared by integration tests.
 *
 * Oracle: after changes and a refresh, a stream table's visible columns equal its defining
 * query as a multiset — `(st EXCEPT ALL query)` and `(query EXCEPT ALL st)` are both empty.
 */
import type pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createFreshDatabase, type FreshDatabase } from "../setup/pg.ts";
import { Random } from "../setup/random.ts";

export { Random };

/** What `withExtensionDatabase` provides once the enclosing block's hooks have run. */
export interface ExtensionDatabase { db: FreshDatabase; client: pg.Client }

/**
 * Inside a describe block: a fresh database on `major`'s cluster with pg_trickle created and a
 * client on it, for the whole block; both are gone after it. Read the fields in hooks and tests.
 */
export function withExtensionDatabase(major: number): ExtensionDatabase {
  const context = {} as ExtensionDatabase;
  beforeAll(async () => {
    context.db = await createFreshDatabase(major);
    context.client = await context.db.connect();
    await context.client.query("CREATE EXTENSION pg_trickle");
  });
  afterAll(async () => {
    await context.client?.end();
    await context.db?.drop();
  });
  return context;
}

/** The rows where a stream table and its query differ (both directions), for a readable failure. */
export async function differences(client: pg.ClientBase, streamTable: string, columns: string[], query: string) {
  // `name::type` compares a column as that type: json has no equality, its text has.
  const cols = columns.map((c) => c.includes("::") ? `"${c.split("::")[0]}"::${c.split("::")[1]}` : `"${c}"`).join(", ");
  const extra = await client.query(`SELECT ${cols} FROM ${streamTable} EXCEPT ALL SELECT ${cols} FROM (${query}) AS q`);
  const missing = await client.query(`SELECT ${cols} FROM (${query}) AS q EXCEPT ALL SELECT ${cols} FROM ${streamTable}`);
  return { extra: extra.rows, missing: missing.rows };
}

/** Whether a stream table equals its query as a multiset right now. */
export async function matches(client: pg.ClientBase, streamTable: string, columns: string[], query: string): Promise<boolean> {
  const diff = await differences(client, streamTable, columns, query);
  return diff.extra.length === 0 && diff.missing.length === 0;
}

/** Polls `check` until it returns true and says how long that took; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Asserts the multiset oracle for one stream table. */
export async function expectMatchesQuery(client: pg.ClientBase, streamTable: string, columns: string[], query: string, context = "") {
  const diff = await differences(client, streamTable, columns, query);
  expect({ context, ...diff }).toEqual({ context, extra: [], missing: [] });
}

/** Creates a stream table and returns its name. */
export async function createStreamTable(client: pg.ClientBase, name: string, query: string, mode = "DIFFERENTIAL"): Promise<string> {
  await client.query("SELECT pgtrickle.create_stream_table($1, $2, refresh_mode => $3)", [name, query, mode]);
  return name;
}

/** The operator tree stored in the refresh program of stream table `name`. */
export async function storedOperatorTree(client: pg.ClientBase, name: string): Promise<string> {
  const r = await client.query("SELECT refresh_program->>'operatorTree' AS t FROM pgtrickle.pgt_stream_tables WHERE pgt_name = $1", [name]);
  return r.rows[0].t as string;
}

/** What validate_query says of `query`: its operator tree and warnings. */
export async function validation(client: pg.ClientBase, query: string): Promise<{ tree: string; warnings: string[] }> {
  const r = await client.query("SELECT operator_tree, warnings FROM pgtrickle.validate_query($1)", [query]);
  return { tree: r.rows[0].operator_tree as string, warnings: r.rows[0].warnings as string[] };
}

/** Refreshes a stream table and returns the action its history row recorded. */
export async function refresh(client: pg.ClientBase, name: string): Promise<string> {
  await client.query("SELECT pgtrickle.refresh_stream_table($1)", [name]);
  const r = await client.query(
    `SELECT h.action FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s USING (pgt_id)
     WHERE s.pgt_relid = to_regclass($1) ORDER BY h.refresh_id DESC LIMIT 1`, [name]);
  return r.rows[0]?.action as string;
}

/** The SQLSTATE and fields of the error `work` raises (fails the test when it raises none). */
export async function errorOf(work: () => Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await work();
  } catch (e) {
    return e as pg.DatabaseError;
  }
  throw new Error("expected an error, got none");
}

/**
 * Creates and fills the tables the random statements below write: `items` (200 rows, keyed, with
 * NULLs) and the keyless `events` (with NULLs and exact duplicates).
 */
export async function createItemsAndEvents(client: pg.ClientBase): Promise<void> {
  await client.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int, note text)");
  await client.query("CREATE TABLE events (a int, b text)");
  await client.query("INSERT INTO items SELECT g, g % 5, (g * 7) % 40 - 3, CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' || (g % 3) END FROM generate_series(1, 200) g");
  await client.query("INSERT INTO events SELECT g % 7, 'k' || (g % 3) FROM generate_series(1, 100) g");
  await client.query("INSERT INTO events VALUES (NULL, NULL), (NULL, 'k1'), (1, 'k1'), (1, 'k1')");
}

/**
 * One random DML statement against `items(id int PK, grp int, val int, note text)`: inserts
 * (with NULLs), deletes, updates that move rows between groups, NULL out values, or change keys.
 */
export function randomItemsStatement(r: Random, nextId: () => number): string {
  const v = () => (r.chance(0.15) ? "NULL" : String(r.int(-5, 50)));
  const g = () => (r.chance(0.1) ? "NULL" : String(r.int(1, 6)));
  const note = () => (r.chance(0.2) ? "NULL" : `'n${r.int(1, 4)}'`);
  switch (r.int(0, 6)) {
    case 0:
    case 1: {
      const rows = Array.from({ length: r.int(1, 8) }, () => `(${nextId()}, ${g()}, ${v()}, ${note()})`);
      return `INSERT INTO items VALUES ${rows.join(", ")}`;
    }
    case 2: return `DELETE FROM items WHERE id % ${r.int(5, 13)} = ${r.int(0, 4)} AND random() < 0.5`;
    case 3: return `UPDATE items SET grp = ${g()} WHERE id % ${r.int(3, 9)} = ${r.int(0, 2)}`;
    case 4: return `UPDATE items SET val = ${v()}, note = ${note()} WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT ${r.int(1, 6)})`;
    case 5: return `UPDATE items SET id = id + 100000 WHERE id IN (SELECT id FROM items WHERE id < 100000 ORDER BY random() LIMIT ${r.int(1, 3)})`;
    default: return `UPDATE items SET val = val + 1 WHERE grp = ${r.int(1, 6)}`;
  }
}

/** One random DML statement against the keyless `events(a int, b text)` (duplicates welcome). */
export function randomEventsStatement(r: Random): string {
  const a = () => (r.chance(0.15) ? "NULL" : String(r.int(0, 9)));
  const b = () => (r.chance(0.15) ? "NULL" : `'k${r.int(1, 3)}'`);
  switch (r.int(0, 4)) {
    case 0:
    case 1: {
      const row = `(${a()}, ${b()})`;
      const rows = Array.from({ length: r.int(1, 6) }, () => (r.chance(0.4) ? row : `(${a()}, ${b()})`));
      return `INSERT INTO events VALUES ${rows.join(", ")}`;
    }
    case 2: return `DELETE FROM events WHERE ctid IN (SELECT ctid FROM events ORDER BY random() LIMIT ${r.int(1, 4)})`;
    case 3: return `UPDATE events SET a = ${a()} WHERE ctid IN (SELECT ctid FROM events ORDER BY random() LIMIT ${r.int(1, 4)})`;
    default: return `UPDATE events SET b = ${b()} WHERE a = ${r.int(0, 9)}`;
  }
}

/**
 * A writer of `statements` random statements on `items` and `events` each (see above), with
 * fresh item ids from `firstId` on.
 */
export function randomWriter(r: Random, firstId: number): (c: pg.ClientBase, statements: number) => Promise<void> {
  let id = firstId;
  return async (c, statements) => {
    for (let i = 0; i < statements; i++) {
      await c.query(randomItemsStatement(r, () => ++id));
      await c.query(randomEventsStatement(r));
    }
  };
}

/**
 * The tables of the join and subquery oracles: l (id, k, v, tag) and r (id, k, w) keyed by id,
 * kl (k, x) without a key and with duplicates; k is small and often NULL so rows match.
 */
export async function createJoinTables(client: pg.ClientBase): Promise<void> {
  await client.query("CREATE TABLE l (id int PRIMARY KEY, k int, v int, tag text)");
  await client.query("CREATE TABLE r (id int PRIMARY KEY, k int, w int)");
  await client.query("CREATE TABLE kl (k int, x int)");
  await client.query("INSERT INTO l SELECT g, NULLIF(g % 7, 0), g % 10, 't' || (g % 3) FROM generate_series(1, 40) g");
  await client.query("INSERT INTO r SELECT g, NULLIF(g % 5, 0), (g * 3) % 10 FROM generate_series(1, 30) g");
  await client.query("INSERT INTO kl SELECT g % 6, g % 4 FROM generate_series(1, 20) g");
  await client.query("INSERT INTO kl VALUES (NULL, 1), (2, 2), (2, 2)");
}

/** One random statement against l, r or kl; keys (k) are small so rows match, and often NULL. */
export function randomJoinStatement(r: Random, nextId: () => number): string {
  const k = () => (r.chance(0.12) ? "NULL" : String(r.int(1, 6)));
  const v = () => (r.chance(0.1) ? "NULL" : String(r.int(0, 9)));
  const tag = () => (r.chance(0.15) ? "NULL" : `'t${r.int(1, 3)}'`);
  const table = r.pick(["l", "r", "kl"]);
  if (table === "kl") {
    switch (r.int(0, 3)) {
      case 0: return `INSERT INTO kl VALUES ${Array.from({ length: r.int(1, 4) }, () => `(${k()}, ${v()})`).join(", ")}`;
      case 1: return `DELETE FROM kl WHERE ctid IN (SELECT ctid FROM kl ORDER BY random() LIMIT ${r.int(1, 3)})`;
      case 2: return `UPDATE kl SET k = ${k()} WHERE ctid IN (SELECT ctid FROM kl ORDER BY random() LIMIT ${r.int(1, 3)})`;
      default: return `INSERT INTO kl SELECT k, x FROM kl ORDER BY random() LIMIT 2`; // exact duplicates
    }
  }
  const extra = table === "l" ? `, ${tag()}` : "";
  switch (r.int(0, 6)) {
    case 0:
    case 1: return `INSERT INTO ${table} VALUES ${Array.from({ length: r.int(1, 4) }, () => `(${nextId()}, ${k()}, ${v()}${extra})`).join(", ")}`;
    case 2: return `DELETE FROM ${table} WHERE k = ${r.int(1, 6)} AND random() < 0.4`;
    case 3: return `UPDATE ${table} SET k = ${k()} WHERE id IN (SELECT id FROM ${table} ORDER BY random() LIMIT ${r.int(1, 3)})`;
    case 4: return `UPDATE ${table} SET ${table === "l" ? "v" : "w"} = ${v()} WHERE id IN (SELECT id FROM ${table} ORDER BY random() LIMIT ${r.int(1, 4)})`;
    case 5: return `UPDATE ${table} SET id = id + 100000 WHERE id IN (SELECT id FROM ${table} WHERE id < 100000 ORDER BY random() LIMIT 1)`;
    default: return `UPDATE ${table} SET k = k % 6 + 1 WHERE k IS NOT NULL AND random() < 0.2`;
  }
}

/** A stream table of an oracle test: its name, defining query and the columns compared. */
export interface OracleCase { name: string; query: string; columns: string[] }

/** The name of the IMMEDIATE twin of a case's stream table (see joinOracle). */
export const immediateTwin = (c: OracleCase) => `${c.name}_imm`;

/**
 * `rounds` rounds of 1 to 7 random statements (some in a transaction, some rolled back), each
 * followed by the multiset oracle on the IMMEDIATE twin of every case in `immediate` (kept
 * current by the statements themselves), then a refresh of every case and the oracle on it;
 * returns how often each refresh action happened.
 */
export async function randomRounds(client: pg.ClientBase, cases: OracleCase[], rounds: number, seed: number,
  statement: (r: Random, nextId: () => number) => string, immediate: OracleCase[] = []): Promise<Map<string, number>> {
  const r = new Random(seed);
  let id = 1000;
  const nextId = () => ++id;
  const actions = new Map<string, number>();
  for (let round = 1; round <= rounds; round++) {
    const transactional = r.chance(0.3);
    if (transactional) await client.query("BEGIN");
    for (let s = r.int(1, 7); s > 0; s--) await client.query(statement(r, nextId));
    if (transactional) await client.query(r.chance(0.2) ? "ROLLBACK" : "COMMIT");
    for (const c of immediate) await expectMatchesQuery(client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} round ${round} seed ${seed}`);
    for (const c of cases) {
      const action = await refresh(client, c.name);
      actions.set(action, (actions.get(action) ?? 0) + 1);
      await expectMatchesQuery(client, c.name, c.columns, c.query, `${c.name} round ${round} seed ${seed}`);
    }
  }
  return actions;
}

/** Rounds of the join-table oracles (PGTRICKLE_ROUNDS, default 30). */
export const JOIN_ROUNDS = Number(process.env.PGTRICKLE_ROUNDS ?? 30);

/**
 * Inside a describe block: the join tables (createJoinTables, then `setup`), each case a
 * DIFFERENTIAL stream table and an IMMEDIATE twin, and two tests — each equals its query right
 * after creation, and after each of JOIN_ROUNDS rounds of random statements (seed
 * PGTRICKLE_SEED or `seed`): the twin at once, the DIFFERENTIAL one after a refresh, every
 * refresh differential. Returns the database, whose client the block's other tests use.
 */
export function joinOracle(major: number, cases: OracleCase[], seed: number, setup: (client: pg.Client) => Promise<void> = async () => {}): ExtensionDatabase {
  const database = withExtensionDatabase(major);
  beforeAll(async () => {
    await createJoinTables(database.client);
    await setup(database.client);
    for (const c of cases) {
      await createStreamTable(database.client, c.name, c.query, "DIFFERENTIAL");
      await createStreamTable(database.client, immediateTwin(c), c.query, "IMMEDIATE");
    }
    await database.client.query("SET pg_trickle.refresh_strategy = 'differential'");
  });

  it("every stream table equals its query right after creation", async () => {
    for (const c of cases) {
      await expectMatchesQuery(database.client, c.name, c.columns, c.query, `${c.name} initial`);
      await expectMatchesQuery(database.client, immediateTwin(c), c.columns, c.query, `${immediateTwin(c)} initial`);
    }
  });

  it(`stays exact over ${JOIN_ROUNDS} rounds of random DML on every table, in DIFFERENTIAL and IMMEDIATE mode`, async () => {
    const s = Number(process.env.PGTRICKLE_SEED ?? seed);
    const actions = await randomRounds(database.client, cases, JOIN_ROUNDS, s, randomJoinStatement, cases);
    // Maintained by the delta rules, never recomputed.
    expect([...actions.keys()].sort()).toEqual(["DIFFERENTIAL", "NO_DATA"].filter((a) => actions.has(a)));
    expect(actions.get("DIFFERENTIAL") ?? 0).toBeGreaterThan(JOIN_ROUNDS * cases.length / 2);
  }, 600_000);  // every statement also refreshes each IMMEDIATE twin: about 2 minutes on 2 idle cores
  return database;
}
