/**
 * @fileoverview `pgtrickle demo`: a narrated tour of stream tables on the PostgreSQL 18
 * development cluster. It prints every statement it runs, as a psql session would, and its result
 * as an aligned table: a source table, two DIFFERENTIAL stream tables over it, DML, refreshes, the
 * correctness check (`EXCEPT ALL` both ways), the refresh history and the statistics view.
 *
 * Re-runnable: it first drops the stream tables of schema `demo` and the schema itself. The
 * cluster keeps running afterwards; the last line of standard output is its URI.
 */
import pg from "pg";
import { devDatabase, startDevCluster } from "../cluster/dev-cluster.ts";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Port of the development cluster; default as `dev start`. */
  port?: number;
  /** Build and install the extension first (default true). */
  build?: boolean;
}

const sourceRows = 5000;

const customerTotalsQuery = "SELECT customer, count(*) AS orders, sum(amount) AS revenue FROM demo.orders GROUP BY customer";
const statusQuery = "SELECT status, count(*) AS orders FROM demo.orders GROUP BY status";
const bigOrdersQuery = "SELECT id, customer, amount FROM demo.orders WHERE amount > 900";

/** Runs the demo and returns the exit status. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { uri } = await startDevCluster({ major: 18, port: options.port, build: options.build ?? true });
  // Every value as PostgreSQL's own text, exactly as psql would show it.
  const client = new pg.Client({ connectionString: uri, types: { getTypeParser: () => (value: string) => value } });
  await client.connect();
  const session = new Session(client);
  try {
    await tour(session);
  } finally {
    await client.end();
  }
  // The tour ends with a table, which psql-style output follows with a blank line already.
  print(`The PostgreSQL 18 development cluster keeps running; the demo schema stays in database ${devDatabase}.`);
  print("  connect:  npx pgtrickle dev psql");
  print("  stop:     npx pgtrickle dev stop");
  print(uri);
  return 0;
}

/** The statements of the demo, with their narration. */
async function tour(session: Session): Promise<void> {
  const { run, say } = session;

  say("pg_trickle demo: stream tables kept up to date by differential refreshes, on a schedule.");
  say("Clean up what an earlier run of the demo left behind.");
  const installed = await session.scalar(`SELECT e.extversion FROM pg_extension e, pg_available_extensions a
 WHERE e.extname = 'pg_trickle' AND a.name = 'pg_trickle' AND a.default_version <> e.extversion`);
  if (installed !== null) {
    say(`The cluster has pg_trickle ${installed} from an earlier build and no upgrade script exists yet: drop it.`);
    await run("DROP EXTENSION pg_trickle CASCADE");
  }
  await run("CREATE EXTENSION IF NOT EXISTS pg_trickle");
  await run(`SELECT pgtrickle.drop_stream_table(format('%I.%I', pgt_schema, pgt_name))
  FROM pgtrickle.pgt_stream_tables
 WHERE pgt_schema = 'demo'`, { quietResult: true });
  await run("DROP SCHEMA IF EXISTS demo CASCADE");

  say(`1. A source table: ${sourceRows} orders of eight customers.`);
  await run("CREATE SCHEMA demo");
  await run(`CREATE TABLE demo.orders (
    id serial PRIMARY KEY,
    customer text,
    amount numeric(10,2),
    status text
)`);
  await run(`INSERT INTO demo.orders (customer, amount, status)
SELECT (ARRAY['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'])[1 + i % 8],
       round((i * 7919 % 100000) / 100.0, 2),
       (ARRAY['new', 'paid', 'shipped'])[1 + i * 31 % 3]
  FROM generate_series(1, ${sourceRows}) AS i`);

  say("2. Two stream tables over it, maintained differentially and refreshed by the background scheduler\n" +
    "--    at most every 3 seconds. Creating one fills it.");
  await run(`SELECT pgtrickle.create_stream_table('demo.customer_totals',
    '${customerTotalsQuery}',
    schedule => '3s', refresh_mode => 'DIFFERENTIAL')`);
  await run(`SELECT pgtrickle.create_stream_table('demo.big_orders',
    '${bigOrdersQuery}',
    schedule => '3s', refresh_mode => 'DIFFERENTIAL')`);
  await run("SELECT customer, orders, revenue FROM demo.customer_totals ORDER BY customer");
  await run("SELECT count(*) AS big_orders, min(amount), max(amount) FROM demo.big_orders");
  await run("SELECT id, customer, amount FROM demo.big_orders ORDER BY id LIMIT 5");

  say("3. Change the source: insert orders (one for a new customer), update two, delete some.");
  await run(`INSERT INTO demo.orders (customer, amount, status)
VALUES ('ivan', 950.00, 'new'), ('ivan', 35.50, 'new'), ('alice', 1200.00, 'paid')`);
  await run("UPDATE demo.orders SET amount = 905.00 WHERE id = 2 RETURNING id, customer, amount");
  const moved = await run(`UPDATE demo.orders SET customer = 'carol'
 WHERE id = (SELECT min(id) FROM demo.orders WHERE customer = 'bob' AND amount > 900)
RETURNING id, customer, amount`);
  const movedId = Number(moved.rows[0]?.[0] ?? 0);
  await run("DELETE FROM demo.orders WHERE customer = 'heidi' AND status = 'new'");

  say("Each commit woke the scheduler; it refreshes a stream table once 3 seconds have passed since its\n" +
    "-- last refresh, applying only the changes made since. Until then a stream table shows the data as of\n" +
    "-- its last refresh. (pgtrickle.refresh_stream_table() refreshes one at once.)");
  const watched = "('alice', 'bob', 'carol', 'heidi', 'ivan')";
  await run(`SELECT customer, orders, revenue FROM demo.customer_totals WHERE customer IN ${watched} ORDER BY customer`);

  say("4. A moment later, the scheduler has applied the changes.");
  await run("SELECT pg_sleep(4)", { quietResult: true });
  await run(`SELECT customer, orders, revenue FROM demo.customer_totals WHERE customer IN ${watched} ORDER BY customer`);
  await run(`SELECT id, customer, amount FROM demo.big_orders WHERE id IN (2, ${movedId}) OR id > ${sourceRows} ORDER BY id`);

  say("5. Correct? The stream table and its defining query hold the same rows: EXCEPT ALL is empty both ways.");
  await run(oracle("demo.customer_totals", "customer, orders, revenue", customerTotalsQuery));
  await run(oracle("demo.big_orders", "id, customer, amount", bigOrdersQuery));

  say("6. IMMEDIATE: a stream table changed by the writing statement itself, inside its transaction.");
  await run(`SELECT pgtrickle.create_stream_table('demo.status_counts',
    '${statusQuery}',
    refresh_mode => 'IMMEDIATE')`);
  await run("SELECT status, orders FROM demo.status_counts ORDER BY status");
  await run("BEGIN");
  await run("UPDATE demo.orders SET status = 'shipped' WHERE status = 'paid' AND customer = 'alice'");
  await run("SELECT status, orders FROM demo.status_counts ORDER BY status");
  await run("ROLLBACK");
  await run("SELECT status, orders FROM demo.status_counts ORDER BY status");
  await run(oracle("demo.status_counts", "status, orders", statusQuery));

  say("7. Every refresh is recorded (INITIAL at creation, SCHEDULER by the background scheduler);\n" +
    "--    pg_stat_stream_tables sums them up, and quick_health says whether all is well.");
  await run(`SELECT h.refresh_id, st.pgt_schema || '.' || st.pgt_name AS stream_table, h.action,
       h.rows_inserted, h.rows_deleted, h.initiated_by,
       round(extract(epoch FROM h.end_time - h.start_time) * 1000, 1) AS duration_ms
  FROM pgtrickle.pgt_refresh_history AS h
  JOIN pgtrickle.pgt_stream_tables AS st USING (pgt_id)
 WHERE st.pgt_schema = 'demo'
 ORDER BY h.refresh_id`);
  await run(`SELECT name, status, refresh_mode, total_refreshes, rows_inserted, rows_deleted,
       round(avg_duration_ms::numeric, 1) AS avg_ms, last_action
  FROM pgtrickle.pg_stat_stream_tables
 WHERE pgt_schema = 'demo'
 ORDER BY name`);
  await run("SELECT * FROM pgtrickle.quick_health");
}

/** The correctness check: rows only in the stream table, and rows only in its query. */
function oracle(streamTable: string, columns: string, query: string): string {
  return `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM ${streamTable}
                       EXCEPT ALL ${query}) AS extra) AS extra_rows,
       (SELECT count(*) FROM (${query}
                       EXCEPT ALL SELECT ${columns} FROM ${streamTable}) AS missing) AS missing_rows`;
}

/* ---------------------------------------------------------------------------------------------
 * A psql-like transcript
 * ------------------------------------------------------------------------------------------- */

/** A connection that echoes each statement with psql's prompts and prints its result. */
class Session {
  private notices: string[] = [];
  /** Whether the last output was a table, which psql follows with a blank line. */
  private afterTable = false;

  constructor(private readonly client: pg.Client) {
    client.on("notice", (notice) => this.notices.push(`${notice.severity ?? "NOTICE"}:  ${notice.message}`));
  }

  /** Prints a line of narration, after one blank line. */
  say = (text: string): void => {
    print(`${this.afterTable ? "" : "\n"}-- ${text}`);
    this.afterTable = false;
  };

  /** The first column of the first row of `sql`, run silently; null when there is no row. */
  scalar = async (sql: string): Promise<unknown> => {
    const result = await this.client.query({ text: sql, rowMode: "array" });
    return result.rows[0]?.[0] ?? null;
  };

  /** Echoes `sql`, runs it, prints notices and the result (just its row count with quietResult). */
  run = async (sql: string, options: { quietResult?: boolean } = {}): Promise<pg.QueryArrayResult> => {
    print(echo(sql));
    const result = await this.client.query({ text: sql, rowMode: "array" });
    for (const notice of this.notices.splice(0)) print(notice);
    if (result.fields.length === 0) print(commandTag(sql, result));
    else if (options.quietResult) print(`${rowCountLine(result.rows.length)}\n`);
    else print(`${formatTable(result)}\n`);
    this.afterTable = result.fields.length > 0;
    return result;
  };
}

/** `sql` as psql echoes typed input: `pgtrickle=# ` on the first line, `pgtrickle-# ` after. */
function echo(sql: string): string {
  return sql
    .split("\n")
    .map((line, index) => `${devDatabase}${index === 0 ? "=#" : "-#"} ${line}`)
    .join("\n")
    .concat(";");
}

/** psql's command status line, e.g. `INSERT 0 5000`, `UPDATE 1`, `CREATE TABLE`. */
function commandTag(sql: string, result: pg.QueryArrayResult): string {
  if (result.command === "INSERT") return `INSERT 0 ${result.rowCount}`;
  if (["UPDATE", "DELETE", "MERGE", "SELECT", "COPY"].includes(result.command)) return `${result.command} ${result.rowCount}`;
  // node-postgres keeps only the first word of a tag such as CREATE TABLE; the statement has the second.
  if (["CREATE", "DROP", "ALTER"].includes(result.command)) {
    const object = /^\s*\w+\s+(\w+)/.exec(sql)?.[1];
    if (object) return `${result.command} ${object.toUpperCase()}`;
  }
  return result.command;
}

const numericTypes = new Set([20, 21, 23, 26, 700, 701, 790, 1700]);

/** An aligned table as psql prints it: centred headers, numbers right-aligned, a row count. */
function formatTable(result: pg.QueryArrayResult): string {
  const names = result.fields.map((field) => field.name);
  const rightAligned = result.fields.map((field) => numericTypes.has(field.dataTypeID));
  const cells = result.rows.map((row) => row.map((value) => (value === null ? "" : String(value))));
  const widths = names.map((name, c) => Math.max(name.length, ...cells.map((row) => row[c].length)));
  const header = names.map((name, c) => {
    const left = Math.floor((widths[c] - name.length) / 2);
    return " ".repeat(left) + name + " ".repeat(widths[c] - name.length - left);
  });
  const lines = [
    ` ${header.join(" | ")}`,
    widths.map((width) => "-".repeat(width + 2)).join("+"),
    ...cells.map((row) => ` ${row.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(" | ")}`),
    rowCountLine(cells.length),
  ];
  return lines.map((line) => line.trimEnd()).join("\n");
}

function rowCountLine(count: number): string {
  return `(${count} ${count === 1 ? "row" : "rows"})`;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
