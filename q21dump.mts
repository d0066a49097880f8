import pg from "pg";
const d = new pg.Client("postgresql://postgres@127.0.0.1:55418/tp"); await d.connect();
const r = await d.query("SELECT frontier, refresh_program FROM pgtrickle.pgt_stream_tables WHERE pgt_name = $1", [process.argv[2] ?? "q21"]);
console.log(JSON.stringify(r.rows[0].frontier));
const p = r.rows[0].refresh_program;
for (const k of ["differential"]) for (const s of p[k]) console.log("----\n" + (s.sql ?? JSON.stringify(s)));
await d.end();
