/**
 * @fileoverview validate_query and explain_query_rewrite: what create_stream_table would do with
 * a query — whether DIFFERENTIAL and IMMEDIATE maintain it, why not, its operator tree, captured
 * sources and refresh statements — without creating anything; and that the statements shown are
 * the ones a stream table of the query runs.
 */
import { describe, expect, it } from "vitest";
import { pgVersions } from "../setup/pg.ts";
import { errorOf, withExtensionDatabase } from "./oracle.ts";

for (const major of pgVersions()) {
  describe(`validate_query and explain_query_rewrite on PostgreSQL ${major}`, () => {
    const database = withExtensionDatabase(major);

    it("says whether a query is maintained differentially, and why not, creating nothing", async () => {
      const c = database.client;
      await c.query("CREATE TABLE orders (id int PRIMARY KEY, customer int, amount numeric)");
      await c.query("CREATE TABLE customers (id int PRIMARY KEY, name text)");
      const objects = async () => (await c.query("SELECT count(*)::int AS n FROM pg_class")).rows[0].n;
      const before = await objects();
      const join = await c.query("SELECT * FROM pgtrickle.validate_query($1)",
        ["SELECT c.name, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer GROUP BY c.name"]);
      expect(join.rows).toEqual([{
        differentiable: true, auto_mode: "DIFFERENTIAL", reason: null, sqlstate: null, hint: null, warnings: [],
        operator_tree: "Aggregate(InnerJoin(Scan(public.orders), Scan(public.customers)))",
        immediate: "a DIFFERENTIAL refresh at the end of each statement writing its sources",
      }]);
      const one = await c.query("SELECT immediate FROM pgtrickle.validate_query('SELECT customer, count(*) AS n FROM orders GROUP BY customer')");
      expect(one.rows).toEqual([{ immediate: "statement triggers apply each statement's transition tables" }]);
      const refused = await c.query("SELECT * FROM pgtrickle.validate_query('SELECT id FROM orders LIMIT 3')");
      expect(refused.rows).toEqual([{
        differentiable: false, auto_mode: "FULL", reason: "LIMIT without ORDER BY is not supported in DIFFERENTIAL mode", sqlstate: "0A000",
        hint: "Use refresh_mode => 'FULL', or 'AUTO' to fall back to FULL refresh automatically.", warnings: [],
        operator_tree: "Full(query)", immediate: null,
      }]);
      const stable = await c.query("SELECT warnings FROM pgtrickle.validate_query($1)", ["SELECT id, to_char(amount, '999') AS a FROM orders"]);
      expect(stable.rows[0].warnings).toHaveLength(1);
      expect(stable.rows[0].warnings[0]).toContain("to_char");
      expect(await objects()).toBe(before);
      expect((await c.query("SELECT count(*)::int AS n FROM pgtrickle.pgt_stream_tables")).rows[0].n).toBe(0);
    });

    it("raises create_stream_table's error for a query no mode can store", async () => {
      const c = database.client;
      const error = await errorOf(() => c.query("SELECT * FROM pgtrickle.validate_query('SELECT nope FROM orders')"));
      expect(error).toMatchObject({ code: "42703", message: 'column "nope" does not exist' });
      expect((await errorOf(() => c.query("SELECT * FROM pgtrickle.explain_query_rewrite('SELECT id AS __pgt_x FROM orders')"))).code).toBe("42939");
      const notSelect = await errorOf(() => c.query("SELECT * FROM pgtrickle.validate_query('DELETE FROM orders')"));
      const created = await errorOf(() => c.query("SELECT pgtrickle.create_stream_table('x', 'DELETE FROM orders')"));
      expect({ code: notSelect.code, message: notSelect.message }).toEqual({ code: created.code, message: "the defining query must be a SELECT statement" });
    });

    it("shows the refresh statements a stream table of the query runs", async () => {
      const c = database.client;
      const query = "SELECT customer, count(*) AS n, sum(amount) AS s FROM orders GROUP BY customer";
      const rows = (await c.query("SELECT property, value FROM pgtrickle.explain_query_rewrite($1)", [query])).rows;
      expect(rows.slice(0, 4)).toEqual([
        { property: "AUTO refresh mode", value: "DIFFERENTIAL" },
        { property: "operator tree", value: "Aggregate(Scan(public.orders))" },
        { property: "source", value: "public.orders (customer, amount, id)" },
        { property: "IMMEDIATE", value: "statement triggers apply each statement's transition tables" },
      ]);
      await c.query("SELECT pgtrickle.create_stream_table('new_stream_table', $1, refresh_mode => 'DIFFERENTIAL')", [query]);
      const program = (await c.query("SELECT refresh_program FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'new_stream_table'")).rows[0].refresh_program;
      const shown = (label: string) => rows.filter((r) => r.property.startsWith(label)).map((r) => r.value);
      expect(shown("DIFFERENTIAL refresh")).toEqual(program.differential.map((s: { sql: string }) => s.sql));
      expect(shown("FULL refresh")).toEqual(program.full.map((s: { sql: string }) => s.sql));
      const notDiff = (await c.query("SELECT property FROM pgtrickle.explain_query_rewrite('SELECT id FROM orders LIMIT 1')")).rows.map((r) => r.property);
      expect(notDiff).toEqual(["AUTO refresh mode", "not differentiable", "operator tree", "source", "FULL refresh 1/2", "FULL refresh 2/2"]);
    });
  });
}
