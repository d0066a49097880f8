/**
 * @fileoverview One batch of changes to the source: a third inserts of new ids, a third updates
 * of random existing rows (new `val` always, new `grp` for a quarter of them), a third deletes of
 * random existing rows, all in one transaction so every refresh sees the whole batch or none.
 * Seeded, so a run touches the same rows as the run before it.
 */
import type { Client } from "pg";
import { groupCount, randomValue } from "./workloads.ts";

/** What one batch did; `nextId` is the first id the next batch may insert. */
export interface ChangeBatch {
  inserted: number;
  updated: number;
  deleted: number;
  nextId: number;
  milliseconds: number;
}

/** Applies a batch of `rows` changes; new rows get ids from `nextId` on. */
export async function applyChangeBatch(client: Client, rows: number, nextId: number, seed: number): Promise<ChangeBatch> {
  const third = Math.floor(rows / 3);
  const inserts = rows - 2 * third;
  const started = performance.now();
  await client.query("BEGIN");
  try {
    await client.query("SELECT setseed($1)", [seed]);
    const inserted = await client.query(
      `INSERT INTO src (id, grp, val, note)
       SELECT g, (random() * ${groupCount - 1})::int, ${randomValue}, md5(g::text)
       FROM generate_series($1::bigint, $2::bigint) AS g`,
      [nextId, nextId + inserts - 1],
    );
    // Only rows older than this batch are candidates, so no batch updates or deletes its own inserts.
    const updated = await client.query(
      `UPDATE src SET val = ${randomValue},
              grp = CASE WHEN random() < 0.25 THEN (random() * ${groupCount - 1})::int ELSE grp END
       WHERE id IN (SELECT id FROM src WHERE id < $1 ORDER BY random() LIMIT $2)`,
      [nextId, third],
    );
    const deleted = await client.query(
      "DELETE FROM src WHERE id IN (SELECT id FROM src WHERE id < $1 ORDER BY random() LIMIT $2)",
      [nextId, third],
    );
    await client.query("COMMIT");
    return {
      inserted: inserted.rowCount ?? 0,
      updated: updated.rowCount ?? 0,
      deleted: deleted.rowCount ?? 0,
      nextId: nextId + inserts,
      milliseconds: performance.now() - started,
    };
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
