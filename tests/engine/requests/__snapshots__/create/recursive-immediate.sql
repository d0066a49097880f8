-- WITH RECURSIVE walk (id, depth) AS (SELECT id, 1 FROM orders WHERE customer IS NULL UNION ALL SELECT o.id, w.depth + 1 FROM orders o JOIN walk w ON o.customer = w.id) SELECT id, depth FROM walk
-- refreshMode IMMEDIATE; operatorTree Recursive(Scan(public.orders))

-- statement 1 (counting none)
CREATE TABLE "public"."new_st" AS
SELECT * FROM (
WITH RECURSIVE "walk" ("id", "depth") AS NOT MATERIALIZED (SELECT __pgt_c1, __pgt_c2 FROM __pgt_recursive_1 AS __pgt_g (__pgt_c1, __pgt_c2, __pgt_depth) WHERE CASE WHEN __pgt_depth > (SELECT nullif(pg_catalog.current_setting('pg_trickle.ivm_recursive_max_depth')::integer, 0)) THEN pgtrickle._recursion_too_deep('walk', 'new_st', __pgt_depth) ELSE true END OFFSET 0), __pgt_recursive_1 (id, depth) AS (SELECT __pgt_n.*, 1 AS __pgt_depth FROM (SELECT id, 1 FROM orders WHERE customer IS NULL ) AS __pgt_n UNION ALL SELECT o.id, w.depth + 1 , "w".__pgt_depth + 1 AS __pgt_depth FROM orders o JOIN __pgt_recursive_1 w ON o.customer = w.id) SELECT id, depth FROM walk
) AS __pgt_q
WITH NO DATA;

-- statement 2 (counting none)
CREATE TABLE pgtrickle_changes."changes_16384" (
  __pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq'),
  __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  __pgt_action "char" NOT NULL
);

-- statement 3 (counting none)
CREATE INDEX ON pgtrickle_changes."changes_16384" (__pgt_xid);

-- statement 4 (counting none)
COMMENT ON TABLE pgtrickle_changes."changes_16384" IS 'pg_trickle change buffer of "public"."orders"';

-- statement 5 (counting none)
CREATE OR REPLACE FUNCTION pgtrickle_changes."capture_16384"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgt$
BEGIN
  PERFORM pgtrickle._wake_scheduler();
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action) SELECT 'I' FROM __pgt_new;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action) SELECT 'D' FROM __pgt_old;
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action) SELECT 'I' FROM __pgt_new;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action) SELECT 'D' FROM __pgt_old;
  ELSE
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action) VALUES ('T');
  END IF;
  RETURN NULL;
END
$pgt$;

-- statement 6 (counting none)
CREATE TRIGGER pgtrickle_capture_insert AFTER INSERT ON "public"."orders" REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 7 (counting none)
CREATE TRIGGER pgtrickle_capture_update AFTER UPDATE ON "public"."orders" REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 8 (counting none)
CREATE TRIGGER pgtrickle_capture_delete AFTER DELETE ON "public"."orders" REFERENCING OLD TABLE AS __pgt_old FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 9 (counting none)
CREATE TRIGGER pgtrickle_capture_truncate AFTER TRUNCATE ON "public"."orders" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 10 (counting none)
CREATE TRIGGER pgtrickle_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "public"."new_st" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table();

-- statement 11 (counting none)
COMMENT ON TABLE "public"."new_st" IS 'pg_trickle stream table';

-- statement 12 (counting none)
INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
  schedule, refresh_mode, requested_mode, effective_refresh_mode, downgrade_reason, database_identity, refresh_program)
VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', 'WITH RECURSIVE walk (id, depth) AS (SELECT id, 1 FROM orders WHERE customer IS NULL UNION ALL SELECT o.id, w.depth + 1 FROM orders o JOIN walk w ON o.customer = w.id) SELECT id, depth FROM walk', 'WITH RECURSIVE walk (id, depth) AS (SELECT id, 1 FROM orders WHERE customer IS NULL UNION ALL SELECT o.id, w.depth + 1 FROM orders o JOIN walk w ON o.customer = w.id) SELECT id, depth FROM walk',
  NULL, 'IMMEDIATE', 'IMMEDIATE', 'IMMEDIATE', NULL, pgtrickle._database_identity(), '<the program below>'::jsonb);

-- statement 13 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16384, 'TABLE', ARRAY[]::text[], 'trigger'
FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

-- statement 14 (counting none)
SELECT pgtrickle._immediate_triggers(pgt_id, true) FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

-- program.probe
SELECT sum(p.truncates)::bigint AS truncates, sum(p.changes)::bigint AS changes, sum(p.source_rows)::bigint AS source_rows,
  string_agg(p.oid || ':' || p.changes, ',') AS per_source
FROM (SELECT count(*) FILTER (WHERE b.__pgt_action = 'T') AS truncates, count(*) AS changes,
  (SELECT GREATEST(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = 16384) AS source_rows, '16384' AS oid
FROM pgtrickle_changes."changes_16384" AS b
WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)) AS p;

-- program.full 1 (counting none)
TRUNCATE "public"."new_st";

-- program.full 2 (counting inserted)
INSERT INTO "public"."new_st"
SELECT * FROM (
WITH RECURSIVE "walk" ("id", "depth") AS NOT MATERIALIZED (SELECT __pgt_c1, __pgt_c2 FROM __pgt_recursive_1 AS __pgt_g (__pgt_c1, __pgt_c2, __pgt_depth) WHERE CASE WHEN __pgt_depth > (SELECT nullif(pg_catalog.current_setting('pg_trickle.ivm_recursive_max_depth')::integer, 0)) THEN pgtrickle._recursion_too_deep('walk', 'new_st', __pgt_depth) ELSE true END OFFSET 0), __pgt_recursive_1 (id, depth) AS (SELECT __pgt_n.*, 1 AS __pgt_depth FROM (SELECT id, 1 FROM orders WHERE customer IS NULL ) AS __pgt_n UNION ALL SELECT o.id, w.depth + 1 , "w".__pgt_depth + 1 AS __pgt_depth FROM orders o JOIN __pgt_recursive_1 w ON o.customer = w.id) SELECT id, depth FROM walk
) AS __pgt_q;

-- program.differential 1 (counting none)
CREATE TEMP TABLE pg_temp."__pgt_fresh_new_st" AS
SELECT * FROM (
WITH RECURSIVE "walk" ("id", "depth") AS NOT MATERIALIZED (SELECT __pgt_c1, __pgt_c2 FROM __pgt_recursive_1 AS __pgt_g (__pgt_c1, __pgt_c2, __pgt_depth) WHERE CASE WHEN __pgt_depth > (SELECT nullif(pg_catalog.current_setting('pg_trickle.ivm_recursive_max_depth')::integer, 0)) THEN pgtrickle._recursion_too_deep('walk', 'new_st', __pgt_depth) ELSE true END OFFSET 0), __pgt_recursive_1 (id, depth) AS (SELECT __pgt_n.*, 1 AS __pgt_depth FROM (SELECT id, 1 FROM orders WHERE customer IS NULL ) AS __pgt_n UNION ALL SELECT o.id, w.depth + 1 , "w".__pgt_depth + 1 AS __pgt_depth FROM orders o JOIN __pgt_recursive_1 w ON o.customer = w.id) SELECT id, depth FROM walk
) AS __pgt_q;

-- program.differential 2 (counting none)
CREATE TEMP TABLE pg_temp."__pgt_old_new_st" AS SELECT __pgt_r.ctid AS __pgt_ctid, __pgt_r AS __pgt_img, row_number() OVER (ORDER BY __pgt_r USING OPERATOR(pg_catalog.*<)) - rank() OVER (ORDER BY __pgt_r USING OPERATOR(pg_catalog.*<)) AS __pgt_k FROM "public"."new_st" AS __pgt_r;

-- program.differential 3 (counting none)
CREATE TEMP TABLE pg_temp."__pgt_new_new_st" AS SELECT __pgt_r AS __pgt_img, row_number() OVER (ORDER BY __pgt_r USING OPERATOR(pg_catalog.*<)) - rank() OVER (ORDER BY __pgt_r USING OPERATOR(pg_catalog.*<)) AS __pgt_k FROM pg_temp."__pgt_fresh_new_st" AS __pgt_r;

-- program.differential 4 (counting deleted)
DELETE FROM "public"."new_st" WHERE ctid IN (SELECT o.__pgt_ctid FROM pg_temp."__pgt_old_new_st" AS o WHERE NOT EXISTS (SELECT 1 FROM pg_temp."__pgt_new_new_st" AS n WHERE n.__pgt_k = o.__pgt_k AND n.__pgt_img OPERATOR(pg_catalog.*=) o.__pgt_img));

-- program.differential 5 (counting inserted)
INSERT INTO "public"."new_st" SELECT (n.__pgt_img).* FROM pg_temp."__pgt_new_new_st" AS n WHERE NOT EXISTS (SELECT 1 FROM pg_temp."__pgt_old_new_st" AS o WHERE n.__pgt_k = o.__pgt_k AND n.__pgt_img OPERATOR(pg_catalog.*=) o.__pgt_img);

-- program.differential 6 (counting none)
DROP TABLE pg_temp."__pgt_new_new_st", pg_temp."__pgt_old_new_st", pg_temp."__pgt_fresh_new_st";
