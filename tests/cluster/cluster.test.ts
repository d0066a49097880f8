/** @fileoverview Smoke test of the managed test clusters: each runs its major, configured for pg_trickle. */
import { describe, expect, it } from "vitest";
import { connect, pgVersions, withFreshDatabase } from "../setup/pg.ts";

const versions = pgVersions();
const preloadDisabled = process.env.PGTRICKLE_NO_PRELOAD === "1";

describe("managed test clusters", () => {
  if (versions.length === 0) it.skip("needs clusters (PGTRICKLE_TEST_PG is none)", () => {});

  for (const major of versions) {
    it(`PostgreSQL ${major} is configured for pg_trickle`, async () => {
      const client = await connect(major);
      try {
        const setting = async (name: string) => (await client.query(`SHOW ${name}`)).rows[0][name] as string;
        const preload = (await setting("shared_preload_libraries")).split(",").map((library) => library.trim());
        if (preloadDisabled) expect(preload).toEqual([""]);
        else expect(preload).toContain("pg_trickle");
        expect(await setting("wal_level")).toBe("logical");
        expect(Math.floor(Number(await setting("server_version_num")) / 10000)).toBe(major);
      } finally {
        await client.end();
      }
    });

    it(`PostgreSQL ${major} gives a test its own database and drops it afterwards`, async () => {
      const name = await withFreshDatabase(major, async (client, database) => {
        const current = (await client.query("SELECT current_database() AS name")).rows[0].name as string;
        expect(current).toBe(database.name);
        return current;
      });
      const client = await connect(major);
      try {
        const left = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        expect(left.rowCount).toBe(0);
      } finally {
        await client.end();
      }
    });
  }
});
