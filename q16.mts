import pg from "pg";
import { load, queries, refreshRound } from "./src/tpch/tpch.ts";
const sf = Number(process.argv[2] ?? 0.05);
const c = new pg.Client("postgresql://postgres@127.0.0.1:55418/postgres");
await c.connect();
await c.query("DROP DATABASE IF EXISTS tp WITH (FORCE)"); await c.query("CREATE DATABASE tp"); await c.end();
const d = new pg.Client("postgresql://postgres@127.0.0.1:55418/tp"); await d.connect();
await d.query("CREATE EXTENSION pg_trickle");
let t = Date.now(); await load(d, sf, (m) => console.log(m)); console.log("load", Date.now() - t);
const names = (process.argv[3] ?? "q16").split(",");
for (const n of names) {
  const q = queries.find((x) => x.name === n)!;
  await d.query("SELECT pgtrickle.create_stream_table($1, $2, refresh_mode => 'DIFFERENTIAL')", [n, q.sql]);
}
let r = 0; const rnd = { int: (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1)) };
const round = refreshRound(rnd, sf, 0.001, 100000000);
await d.query("BEGIN"); for (const s of round.statements) await d.query(s); await d.query("COMMIT");
for (const n of names) {
  if (process.env.EXPLAIN) await d.query("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 1000; SET auto_explain.log_nested_statements = on");
  t = Date.now(); const res = await d.query("SELECT pgtrickle.refresh_stream_table($1)", [n]); console.log(n, "refresh ms", Date.now() - t);
  t = Date.now(); await d.query("TRUNCATE pgtrickle_changes.dummy_never").catch(() => {});
}
await d.end();
