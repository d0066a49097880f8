-- SELECT id FROM orders LIMIT 10;
-- refreshMode FULL; operatorTree Full(query)

-- statement 1 (counting none)
CREATE TABLE "public"."new_st" AS
SELECT * FROM (
SELECT id FROM orders LIMIT 10
) AS __pgt_q
WITH NO DATA;

-- statement 2 (counting none)
CREATE TRIGGER pgtrickle_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "public"."new_st" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table();

-- statement 3 (counting none)
COMMENT ON TABLE "public"."new_st" IS 'pg_trickle stream table';

-- statement 4 (counting none)
INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
  schedule, refresh_mode, requested_mode, effective_refresh_mode, downgrade_reason, database_identity, refresh_program)
VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', 'SELECT id FROM orders LIMIT 10;', 'SELECT id FROM orders LIMIT 10;',
  NULL, 'FULL', 'AUTO', 'FULL', 'LIMIT without ORDER BY is not supported in DIFFERENTIAL mode', pgtrickle._database_identity(), '<the program below>'::jsonb);

-- statement 5 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16384, 'TABLE', ARRAY[]::text[], 'none'
FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

-- program.full 1 (counting none)
TRUNCATE "public"."new_st";

-- program.full 2 (counting inserted)
INSERT INTO "public"."new_st"
SELECT * FROM (
SELECT id FROM orders LIMIT 10
) AS __pgt_q;
