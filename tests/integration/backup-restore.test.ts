/**
 * @fileoverview pg_dump / pg_restore round trips of a database with stream tables, into a fresh
 * cluster: new OIDs for every relation, and a transaction-id space far behind the one the dump
 * came from (the suite's cluster has run every other test). Every refresh mode and a stream
 * table reading a stream table are dumped with changes still buffered; a source excluded from
 * the dump leaves its reader in status ERROR.
 *
 * Three ways in, each into its own database: `pg_restore` of a custom-format dump, plain
 * `pg_dump | psql`, and `pg_restore --jobs 2`. The first two link the stream tables during the
 * restore (the event trigger at its last CREATE INDEX / CREATE TRIGGER); a parallel restore may
 * finish its last items concurrently and leave that to the first use, before which capture
 * refuses writes. Then: the catalog names this database's relations, capture is in place under
 * the new OIDs, the first refresh is DIFFERENTIAL and applies exactly the changes that were
 * pending at dump time, and random changes made after the restore keep every stream table equal
 * to its query.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, freePort } from "../../src/cluster/cluster.ts";
import { type PgInstall } from "../../src/cluster/provision.ts";
import { createFreshDatabase, type FreshDatabase, pgVersions, testInstallation } from "../setup/pg.ts";
import { errorOf, expectMatchesQuery, Random, randomWriter } from "./oracle.ts";

const SEED = Number(process.env.PGTRICKLE_SEED ?? 20261121);
const log = (line: string) => process.stderr.write(`[restore] ${line}\n`);

const streamTables = [
  { name: "totals", query: "SELECT grp, count(*) AS n, sum(val) AS s FROM items GROUP BY grp", columns: ["grp", "n", "s"], mode: "DIFFERENTIAL" },
  { name: "rows_st", query: "SELECT id, grp, val FROM items WHERE val >= 0", columns: ["id", "grp", "val"], mode: "AUTO" },
  { name: "event_counts", query: "SELECT a, b, count(*) AS n FROM events GROUP BY a, b", columns: ["a", "b", "n"], mode: "DIFFERENTIAL" },
  { name: "event_rows", query: "SELECT a, b FROM events WHERE a IS DISTINCT FROM 3", columns: ["a", "b"], mode: "DIFFERENTIAL" },
  { name: "full_st", query: "SELECT b, count(*) AS n FROM events GROUP BY b", columns: ["b", "n"], mode: "FULL" },
  { name: "imm_totals", query: "SELECT grp, sum(val) AS s, count(*) AS n FROM items GROUP BY grp", columns: ["grp", "s", "n"], mode: "IMMEDIATE" },
  { name: "big_groups", query: "SELECT grp, n FROM totals WHERE n > 3", columns: ["grp", "n"], mode: "DIFFERENTIAL" },
];
/** Refreshed from a change buffer, so their first refresh after the restore must be DIFFERENTIAL. */
const differential = ["totals", "rows_st", "event_counts", "event_rows", "big_groups"];

const restores = [
  { database: "restored", how: "pg_restore", linkedByRestore: true },
  { database: "piped", how: "pg_dump | psql", linkedByRestore: true },
  { database: "parallel", how: "pg_restore --jobs 2", linkedByRestore: false },
];

for (const major of pgVersions()) {
  describe(`pg_dump and restore of stream tables into a fresh PostgreSQL ${major} cluster`, () => {
    let directory = "";
    let install: PgInstall;
    let cluster: Cluster;
    let source: FreshDatabase;
    const clients: pg.Client[] = [];

    beforeAll(async () => {
      install = await testInstallation(major);
      directory = mkdtempSync(join(tmpdir(), `pgtrickle-restore-${major}-`));
      chmodSync(directory, 0o711);
      cluster = await Cluster.create({
        pgConfig: install.pgConfig, dataDir: join(directory, "data"), port: await freePort(), fsync: false, log,
        settings: { "pg_trickle.enabled": false },
      });
      await cluster.start();
      source = await createFreshDatabase(major);
    });

    afterAll(async () => {
      for (const c of clients) await c.end().catch(() => undefined);
      await source?.drop();
      await cluster?.stop();
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    async function client(database: string): Promise<pg.Client> {
      const c = new pg.Client({ connectionString: cluster.uri(database) });
      await c.connect();
      clients.push(c);
      return c;
    }

    function run(program: string, args: string[], input?: string): void {
      log(`${program} ${args.join(" ")}`);
      execFileSync(join(install.bindir, program), args, { input, stdio: [input === undefined ? "ignore" : "pipe", "ignore", "pipe"] });
    }

    const writeSome = randomWriter(new Random(SEED + major), 1000);

    async function expectAllMatch(c: pg.ClientBase, context: string) {
      for (const st of streamTables) await expectMatchesQuery(c, st.name, st.columns, st.query, `${context}: ${st.name}`);
    }

    it("round-trips: linked to the new OIDs, DIFFERENTIAL and exact on the first refresh and after new changes", async () => {
      const src = await source.connect();
      try {
        // Put the source's transaction ids far ahead of the fresh cluster's (each subtransaction
        // that writes takes one), so ids carried over unmapped would hide new changes.
        await src.query("CREATE TEMP TABLE burn (i int)");
        await src.query("DO $$ BEGIN FOR i IN 1..20000 LOOP BEGIN INSERT INTO burn VALUES (i); EXCEPTION WHEN OTHERS THEN NULL; END; END LOOP; END $$");
        await src.query("CREATE EXTENSION pg_trickle");
        await src.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int, note text)");
        await src.query("INSERT INTO items SELECT g, g % 5, g, NULL FROM generate_series(1, 300) g");
        await src.query("CREATE TABLE events (a int, b text)");
        await src.query("INSERT INTO events SELECT g % 7, 'k' || (g % 3) FROM generate_series(1, 300) g");
        await src.query("CREATE TABLE scratch (id int PRIMARY KEY, v int)");
        await src.query("INSERT INTO scratch VALUES (1, 1), (2, 2)");
        for (const st of streamTables) {
          await src.query("SELECT pgtrickle.create_stream_table($1, $2, schedule => '1m', refresh_mode => $3)", [st.name, st.query, st.mode]);
        }
        await src.query("SELECT pgtrickle.create_stream_table('lonely', 'SELECT v, count(*) AS n FROM scratch GROUP BY v', schedule => '1m')");
        await writeSome(src, 10);
        for (const st of streamTables) await src.query("SELECT pgtrickle.refresh_stream_table($1)", [st.name]);
        await expectAllMatch(src, "before the dump");
        await writeSome(src, 6); // still buffered when the dump is taken
        await src.query("INSERT INTO scratch VALUES (3, 3)");
      } finally {
        await src.end();
      }

      const dumpFile = join(directory, "source.dump");
      const dumpArgs = ["-d", source.uri, "--exclude-table=public.scratch"];
      run("pg_dump", [...dumpArgs, "-Fc", "-f", dumpFile]);
      const plain = execFileSync(join(install.bindir, "pg_dump"), dumpArgs, { encoding: "utf8", maxBuffer: 1 << 28 });
      for (const { database, how } of restores) {
        await cluster.createDatabase(database);
        const target = ["-h", "127.0.0.1", "-p", String(cluster.port), "-U", "postgres", "-d", database];
        if (how === "pg_restore") run("pg_restore", [...target, "--exit-on-error", dumpFile]);
        else if (how === "pg_dump | psql") run("psql", [...target, "-X", "-q", "-v", "ON_ERROR_STOP=1"], plain);
        else run("pg_restore", [...target, "--exit-on-error", "--jobs", "2", dumpFile]);
      }

      for (const { database, how, linkedByRestore } of restores) {
        const c = await client(database);
        const warnings: string[] = [];
        c.on("notice", (n) => { if (n.severity === "WARNING") warnings.push(n.message ?? ""); });
        const unlinked = async () =>
          (await c.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables WHERE database_identity IS DISTINCT FROM pgtrickle._database_identity()")).rows[0].n;
        if (linkedByRestore) {
          expect(await unlinked(), `${how}: linked by the restore`).toBe(0);
        } else if ((await unlinked()) > 0) {
          // Not linked yet: a write to a source is refused rather than captured against stale transaction ids.
          const refused = await errorOf(() => c.query("INSERT INTO items VALUES (999999, 1, 1, NULL)"));
          expect(refused.code).toBe("55000");
          expect(refused.message).toContain("before the stream tables restored into this database are linked");
        }

        // The first refresh (the first use, which links at the latest) applies what was pending at
        // dump time, differentially. Linking runs in the caller's transaction: a call that fails
        // undoes it, so the first use here is one that succeeds.
        await c.query("SET pg_trickle.refresh_strategy = differential");
        for (const st of streamTables) await c.query("SELECT pgtrickle.refresh_stream_table($1)", [st.name]);
        expect(await unlinked(), `${how}: linked at the first use at the latest`).toBe(0);

        // The source left out of the dump: its reader is ERROR, with the reason, and refuses to refresh.
        const lonelyError = await errorOf(() => c.query("SELECT pgtrickle.refresh_stream_table('lonely')"));
        expect(lonelyError.code).toBe("42P01");
        expect(lonelyError.detail).toContain("source table public.scratch is not in this database");
        const lonely = await c.query("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'lonely'");
        expect(lonely.rows[0].status).toBe("ERROR");

        // The catalog names this database's relations; capture lives under the new OIDs.
        const relids = await c.query("SELECT pgt_name FROM pgtrickle.pgt_stream_tables WHERE pgt_relid IS DISTINCT FROM to_regclass(format('%I.%I', pgt_schema, pgt_name))");
        expect(relids.rows).toEqual([]);
        const deps = await c.query(`
          SELECT st.pgt_name, d.cdc_mode, c.relname, b.oid IS NOT NULL AS has_buffer,
                 (SELECT count(*)::int FROM pg_trigger t WHERE t.tgrelid = d.source_relid AND t.tgname LIKE 'pgtrickle_capture_%') AS triggers
            FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
            LEFT JOIN pg_class c ON c.oid = d.source_relid
            LEFT JOIN pg_class b ON b.oid = to_regclass('pgtrickle_changes.changes_' || d.source_relid)
           WHERE st.status <> 'ERROR' ORDER BY 1, 3`);
        expect(deps.rows.length).toBe(streamTables.length);
        for (const row of deps.rows) {
          expect(row.relname, `${how}: ${row.pgt_name} source`).not.toBeNull();
          if (row.cdc_mode === "trigger") expect([row.has_buffer, row.triggers], `${how}: capture of ${row.relname}`).toEqual([true, 4]);
        }
        const buffers = await c.query(`SELECT relname FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace AND relkind = 'r'
                                        AND relname NOT IN (SELECT 'changes_' || source_relid FROM pgtrickle.pgt_dependencies)`);
        expect(buffers.rows, `${how}: no buffer is left over`).toEqual([]);

        // The first refreshes (above) were differential and exact.
        const actions = await c.query("SELECT st.pgt_name, h.action FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) ORDER BY h.refresh_id");
        const first = Object.fromEntries(actions.rows.map((row) => [row.pgt_name, row.action]).reverse());
        for (const name of differential) expect(["DIFFERENTIAL", "NO_DATA"], `${how}: first refresh of ${name}`).toContain(first[name]);
        await expectAllMatch(c, `${how}, first refresh`);

        // Changes made in the new cluster: captured, and applied exactly.
        for (let round = 0; round < 3; round++) {
          await writeSome(c, 6);
          for (const st of streamTables) await c.query("SELECT pgtrickle.refresh_stream_table($1)", [st.name]);
          await expectAllMatch(c, `${how}, round ${round}`);
        }
        const later = await c.query(`SELECT count(*)::int AS n FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
                                      WHERE st.pgt_name = ANY($1) AND h.action NOT IN ('DIFFERENTIAL', 'NO_DATA')`, [differential]);
        expect(later.rows[0].n, `${how}: every refresh of a buffered stream table was DIFFERENTIAL`).toBe(0);
        for (const w of warnings) expect(w, `${how}: warning`).toContain('"public"."lonely" is in status ERROR');
      }
    });
  });
}
