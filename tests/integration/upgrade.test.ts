/**
 * @fileoverview ALTER EXTENSION pg_trickle UPDATE from every released version, live, as a DBA
 * lives it: a server runs a released version's library (built from its commit), stream tables of
 * every refresh mode are created and changed; then the new library replaces the old one, the
 * server restarts, the old SQL keeps refreshing (with one WARNING) and refuses to create; the
 * update runs with changes still buffered. Afterwards: the installed objects are those of a fresh
 * install, the scheduler refreshes again, every stream table equals its query after new changes,
 * and the rebuilt programs serve a switch to IMMEDIATE.
 *
 * Each release gets its own cluster on a private copy of the test installation
 * (src/cluster/releases.ts), so swapping the library disturbs no other test.
 */
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, freePort } from "../../src/cluster/cluster.ts";
import { type PgInstall } from "../../src/cluster/provision.ts";
import { copyInstallation, installLibrary, libraryPath, releasedLibrary } from "../../src/cluster/releases.ts";
import { archivedVersions, compareVersions } from "../../src/sql/archive.ts";
import { catalog } from "../../src/sql/catalog.ts";
import { pgVersions, testInstallation } from "../setup/pg.ts";
import { errorOf, expectMatchesQuery, matches, Random, randomWriter, refresh, waitFor } from "./oracle.ts";

const projectRoot = resolve(import.meta.dirname, "../..");
const SEED = Number(process.env.PGTRICKLE_SEED ?? 20261121);
const log = (line: string) => process.stderr.write(`[upgrade] ${line}\n`);

/** The stream tables of the test: name, query, visible columns, refresh mode, first version that has the mode. */
const streamTables = [
  { name: "totals", query: "SELECT grp, count(*) AS n, sum(val) AS s FROM items GROUP BY grp", columns: ["grp", "n", "s"], mode: "DIFFERENTIAL", since: "0.1.0" },
  { name: "rows_st", query: "SELECT id, grp, val FROM items WHERE val >= 0", columns: ["id", "grp", "val"], mode: "AUTO", since: "0.1.0" },
  { name: "event_counts", query: "SELECT a, b, count(*) AS n FROM events GROUP BY a, b", columns: ["a", "b", "n"], mode: "DIFFERENTIAL", since: "0.1.0" },
  { name: "full_st", query: "SELECT b, count(*) AS n FROM events GROUP BY b", columns: ["b", "n"], mode: "FULL", since: "0.1.0" },
  { name: "imm_totals", query: "SELECT grp, sum(val) AS s, count(*) AS n FROM items GROUP BY grp", columns: ["grp", "s", "n"], mode: "IMMEDIATE", since: "0.2.0" },
  // A small DAG: a stream table reading another one.
  { name: "big_groups", query: "SELECT grp, n FROM totals WHERE n > 3", columns: ["grp", "n"], mode: "DIFFERENTIAL", since: "0.2.0" },
];

/** Every object of the extension as the catalogs describe it, keyed by kind and name. */
const installedObjectsQuery = `
WITH members AS (
  SELECT classid, objid FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_trickle'))
SELECT 'function ' || p.oid::regprocedure::text AS key, jsonb_build_object(
         'arguments', pg_get_function_arguments(p.oid), 'result', pg_get_function_result(p.oid),
         'volatility', p.provolatile, 'strict', p.proisstrict, 'security_definer', p.prosecdef,
         'parallel', p.proparallel, 'config', p.proconfig, 'language', l.lanname, 'source', p.prosrc,
         'library', p.probin, 'body', pg_get_function_sqlbody(p.oid), 'acl', p.proacl::text,
         'comment', obj_description(p.oid, 'pg_proc')) AS definition
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
UNION ALL
SELECT 'relation ' || c.oid::regclass::text, jsonb_build_object(
         'kind', c.relkind, 'acl', c.relacl::text, 'comment', obj_description(c.oid, 'pg_class'),
         'columns', (SELECT jsonb_object_agg(a.attname, jsonb_build_object('type', format_type(a.atttypid, a.atttypmod),
                       'not_null', a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid)))
                       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
         'constraints', (SELECT jsonb_object_agg(conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE conrelid = c.oid),
         'indexes', (SELECT jsonb_object_agg(indexrelid::regclass::text, pg_get_indexdef(indexrelid)) FROM pg_index WHERE indrelid = c.oid),
         'view', CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END)
  FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
UNION ALL
SELECT 'schema ' || n.nspname, jsonb_build_object('acl', n.nspacl::text, 'comment', obj_description(n.oid, 'pg_namespace'))
  FROM pg_namespace n JOIN members m ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
UNION ALL
SELECT 'event trigger ' || e.evtname, jsonb_build_object('event', e.evtevent, 'function', e.evtfoid::regproc::text,
         'enabled', e.evtenabled, 'comment', obj_description(e.oid, 'pg_event_trigger'))
  FROM pg_event_trigger e JOIN members m ON m.classid = 'pg_event_trigger'::regclass AND m.objid = e.oid
UNION ALL
SELECT 'pg_dump registrations', jsonb_build_object('tables', (SELECT jsonb_agg(t ORDER BY t) FROM
         unnest(x.extconfig::regclass[]::text[], x.extcondition) AS r(t, condition)))
  FROM pg_extension x WHERE x.extname = 'pg_trickle'
ORDER BY 1`;

async function installedObjects(client: pg.ClientBase): Promise<Record<string, unknown>> {
  const rows = (await client.query(installedObjectsQuery)).rows as { key: string; definition: unknown }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.definition]));
}

for (const major of pgVersions()) {
  for (const release of archivedVersions(projectRoot)) {
    describe(`ALTER EXTENSION pg_trickle UPDATE from ${release.version} to ${catalog.version} on PostgreSQL ${major}`, () => {
      let directory = "";
      let cluster: Cluster;
      let install: PgInstall;
      let currentLibrary = "";
      const present = streamTables.filter((st) => compareVersions(st.since, release.version) <= 0);

      beforeAll(async () => {
        const original = await testInstallation(major);
        const oldLibrary = await releasedLibrary(release, original, log);
        directory = mkdtempSync(join(tmpdir(), `pgtrickle-upgrade-${release.version}-${major}-`));
        chmodSync(directory, 0o711);
        install = copyInstallation(original, join(directory, "pg"));
        currentLibrary = join(directory, "current-pg_trickle.so");
        copyFileSync(libraryPath(install), currentLibrary);
        installLibrary(install, oldLibrary);
        cluster = await Cluster.create({
          pgConfig: install.pgConfig, dataDir: join(directory, "data"), port: await freePort(), fsync: false, log,
          settings: { "pg_trickle.enabled": true, "pg_trickle.scheduler_interval_ms": 200 },
        });
        await cluster.start();
        await cluster.createDatabase("upgrade");
        await cluster.createDatabase("fresh");
      });

      const clients: pg.Client[] = [];
      afterAll(async () => {
        for (const c of clients) await c.end().catch(() => undefined);
        await cluster?.stop();
        if (directory) rmSync(directory, { recursive: true, force: true });
      });

      async function client(database = "upgrade"): Promise<pg.Client> {
        const c = new pg.Client({ connectionString: cluster.uri(database) });
        c.on("error", () => undefined); // a server stopped by this test ends its sessions
        await c.connect();
        clients.push(c);
        return c;
      }

      async function expectAllMatch(c: pg.ClientBase, context: string) {
        for (const st of present) await expectMatchesQuery(c, st.name, st.columns, st.query, `${context}: ${st.name}`);
      }

      it("upgrades live: old SQL keeps refreshing, then the update leaves a fresh install's objects and exact stream tables", async () => {
        const writeSome = randomWriter(new Random(SEED + major), 1000);

        // Phase 1: the released library and its SQL.
        let c = await client();
        await c.query(`CREATE EXTENSION pg_trickle VERSION '${release.version}'`);
        expect((await c.query("SELECT pgtrickle.version() AS v")).rows[0].v).toBe(release.version);
        await c.query("CREATE TABLE items (id int PRIMARY KEY, grp int, val int, note text)");
        await c.query("INSERT INTO items SELECT g, g % 5, g, NULL FROM generate_series(1, 200) g");
        await c.query("CREATE TABLE events (a int, b text)");
        await c.query("INSERT INTO events SELECT g % 7, 'k' || (g % 3) FROM generate_series(1, 100) g");
        for (const st of present) {
          await c.query("SELECT pgtrickle.create_stream_table($1, $2, schedule => '1s', refresh_mode => $3)", [st.name, st.query, st.mode]);
        }
        await writeSome(c, 10);
        for (const st of present) await c.query("SELECT pgtrickle.refresh_stream_table($1)", [st.name]);
        await expectAllMatch(c, `${release.version} library`);
        await writeSome(c, 5); // left in the change buffers across the library swap
        await c.end();

        // Phase 2: the new library replaces the old one; the SQL is still the released version's.
        await cluster.stop();
        installLibrary(install, currentLibrary);
        await cluster.start();
        c = await client();
        const warnings: string[] = [];
        c.on("notice", (n) => { if (n.severity === "WARNING") warnings.push(n.message ?? ""); });
        expect((await c.query("SELECT pgtrickle.version() AS v")).rows[0].v).toBe(catalog.version);
        expect((await c.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_trickle'")).rows[0].extversion).toBe(release.version);
        for (const st of present) await c.query("SELECT pgtrickle.refresh_stream_table($1)", [st.name]);
        await expectAllMatch(c, "old SQL, new library");
        expect(warnings.filter((w) => w.includes(`library is version ${catalog.version} but this database has extension version ${release.version}`))).toHaveLength(1);
        const refused = await errorOf(() => c.query("SELECT pgtrickle.create_stream_table('later', 'SELECT id FROM items')"));
        expect(refused.code).toBe("55000");
        expect(refused.hint).toBe("Run ALTER EXTENSION pg_trickle UPDATE.");
        await writeSome(c, 5); // buffered again, consumed after the update

        // The update itself.
        await c.query("ALTER EXTENSION pg_trickle UPDATE");
        expect((await c.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_trickle'")).rows[0].extversion).toBe(catalog.version);
        const fresh = await client("fresh");
        await fresh.query("CREATE EXTENSION pg_trickle");
        expect(await installedObjects(c)).toEqual(await installedObjects(fresh));
        await fresh.end();

        // Every stream table was rebuilt by this library: IMMEDIATE programs, capture that wakes the scheduler.
        const programs = await c.query("SELECT pgt_name, refresh_program->'immediate' IS NOT NULL AS has_immediate FROM pgtrickle.pgt_stream_tables");
        expect(programs.rows.length).toBe(present.length);
        for (const row of programs.rows) expect(row.has_immediate, row.pgt_name).toBe(true);
        const captures = await c.query(
          "SELECT p.proname, p.prosrc LIKE '%pgtrickle._wake_scheduler()%' AS wakes FROM pg_proc p WHERE p.pronamespace = 'pgtrickle_changes'::regnamespace");
        expect(captures.rows.length).toBeGreaterThan(0);
        for (const row of captures.rows) expect(row.wakes, row.proname).toBe(true);

        // The scheduler refreshes again, differentially, and the stream tables follow new changes.
        const started = new Date();
        await writeSome(c, 8);
        await waitFor("the scheduler to apply the changes after the update", async () => {
          for (const st of present) if (!(await matches(c, st.name, st.columns, st.query))) return false;
          return true;
        }, 60_000);
        const scheduled = await c.query(
          "SELECT count(*)::int AS n FROM pgtrickle.pgt_refresh_history WHERE initiated_by = 'SCHEDULER' AND action = 'DIFFERENTIAL' AND start_time >= $1",
          [started]);
        expect(scheduled.rows[0].n).toBeGreaterThan(0);
        await writeSome(c, 8);
        for (const st of present) await refresh(c, st.name);
        await expectAllMatch(c, "after the update");

        // A program rebuilt by the update serves IMMEDIATE mode, which 0.1.0 did not have.
        await c.query("SELECT pgtrickle.alter_stream_table('rows_st', refresh_mode => 'IMMEDIATE')");
        await writeSome(c, 6);
        await expectMatchesQuery(c, "rows_st", ["id", "grp", "val"], streamTables[1].query, "IMMEDIATE after the update");
        expect(warnings).toHaveLength(1);
        expect((await errorOf(() => c.query("SELECT pgtrickle._upgrade_stream_tables()"))).code).toBe("55000");
        await c.end();
      });
    });
  }
}
