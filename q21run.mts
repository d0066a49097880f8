import pg from "pg";
import { refreshRound } from "./src/tpch/tpch.ts";
const name = process.argv[2] ?? "q21";
const sf = Number(process.argv[3] ?? 0.1);
const d = new pg.Client("postgresql://postgres@127.0.0.1:55418/tp"); await d.connect();
const rnd = { int: (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1)) };
const round = refreshRound(rnd, sf, 0.001, 200000000 + Math.floor(Math.random() * 1000000));
await d.query("BEGIN"); for (const s of round.statements) await d.query(s); await d.query("COMMIT");
const r = await d.query("SELECT frontier, refresh_program FROM pgtrickle.pgt_stream_tables WHERE pgt_name = $1", [name]);
const f = r.rows[0].frontier;
const bind = (sql: string) => sql.replaceAll("$1", `'${f.snapshot}'`).replaceAll("$2", `'${f.xmin}'`).replaceAll("$3", f.own_xid ? `'${f.own_xid}'` : "NULL").replaceAll("$4", `'${f.own_seq}'`);
await d.query("BEGIN");
await d.query(`ALTER TABLE ${name} DISABLE TRIGGER pgtrickle_guard`);
let i = 0;
for (const s of r.rows[0].refresh_program.differential) {
  const sql = bind(s.sql);
  const t = Date.now();
  if (process.env.EXPLAIN && Number(process.env.EXPLAIN) === i) {
    const e = await d.query("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql.replace(/^CREATE TEMP TABLE \S+ AS\n/, ""));
    console.log(e.rows.map((x) => x["QUERY PLAN"]).join("\n"));
  } else await d.query(sql);
  console.log(i, Date.now() - t, "ms", sql.slice(0, 110).replace(/\n/g, " "));
  i++;
}
await d.query("ROLLBACK");
await d.end();
