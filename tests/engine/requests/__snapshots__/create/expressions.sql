-- SELECT id,
--        customer + 1 AS next_customer,
--        CASE WHEN amount > 100 THEN 'big' WHEN amount IS NULL THEN NULL ELSE 'small' END AS size,
--        CASE customer WHEN 1 THEN 'one' END AS customer_name,
--        amount::int AS whole,
--        CAST(amount AS numeric(10, 2)) AS rounded,
--        note::varchar(20)[] AS notes,
--        lower(note),
--        pg_catalog.upper(note) AS shout,
--        coalesce(note, '') AS note_or_empty,
--        nullif(customer, 0) AS customer_or_null,
--        greatest(customer, 0) AS at_least_zero,
--        -amount AS negated,
--        abs(customer) AS magnitude,
--        note COLLATE "C" AS sortable,
--        ARRAY[customer, id] AS pair,
--        'it''s' AS quoted
--   FROM orders
--  WHERE customer IN (1, 2, 3)
--    AND customer NOT IN (7)
--    AND amount BETWEEN 10 AND 20
--    AND amount NOT BETWEEN SYMMETRIC 15 AND 14
--    AND note IS DISTINCT FROM 'x'
--    AND customer IS NOT DISTINCT FROM 4
--    AND note LIKE 'a%'
--    AND note NOT ILIKE '%z'
--    AND (note IS NOT NULL OR NOT (customer > 5))
--    AND (amount > 0) IS TRUE
--    AND customer = ANY (ARRAY[4, 5])
-- refreshMode DIFFERENTIAL; operatorTree Project(Filter(Scan(public.orders)))

-- statement 1 (counting none)
CREATE TABLE "public"."new_st" AS
SELECT __pgt_src."id" AS "id",
       (__pgt_src."customer" + 1) AS "next_customer",
       CASE WHEN (__pgt_src."amount" > 100) THEN 'big' WHEN (__pgt_src."amount" IS NULL) THEN NULL ELSE 'small' END AS "size",
       CASE __pgt_src."customer" WHEN 1 THEN 'one' END AS "customer_name",
       CAST(__pgt_src."amount" AS "pg_catalog"."int4") AS "whole",
       CAST(__pgt_src."amount" AS "pg_catalog"."numeric"(10, 2)) AS "rounded",
       CAST(__pgt_src."note" AS "pg_catalog"."varchar"(20)[]) AS "notes",
       "lower"(__pgt_src."note") AS "lower",
       "pg_catalog"."upper"(__pgt_src."note") AS "shout",
       COALESCE(__pgt_src."note", '') AS "note_or_empty",
       NULLIF(__pgt_src."customer", 0) AS "customer_or_null",
       GREATEST(__pgt_src."customer", 0) AS "at_least_zero",
       (- __pgt_src."amount") AS "negated",
       "abs"(__pgt_src."customer") AS "magnitude",
       (__pgt_src."note" COLLATE "C") AS "sortable",
       ARRAY[__pgt_src."customer", __pgt_src."id"] AS "pair",
       'it''s' AS "quoted",
       hash_record_extended(ROW(__pgt_src."id"), 0) AS __pgt_row_id
  FROM "public"."orders" AS __pgt_src
  WHERE ((__pgt_src."customer" IN (1, 2, 3)) AND (__pgt_src."customer" NOT IN (7)) AND (__pgt_src."amount" BETWEEN 10 AND 20) AND (__pgt_src."amount" NOT BETWEEN SYMMETRIC 15 AND 14) AND (__pgt_src."note" IS DISTINCT FROM 'x') AND (__pgt_src."customer" IS NOT DISTINCT FROM 4) AND (__pgt_src."note" ~~ 'a%') AND (__pgt_src."note" !~~* '%z') AND ((__pgt_src."note" IS NOT NULL) OR (NOT (__pgt_src."customer" > 5))) AND ((__pgt_src."amount" > 0) IS TRUE) AND (__pgt_src."customer" = ANY (ARRAY[4, 5])))
WITH NO DATA;

-- statement 2 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- statement 3 (counting none)
CREATE TABLE pgtrickle_changes."changes_16384" (
  __pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq'),
  __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  __pgt_action "char" NOT NULL,
  "customer" integer,
  "amount" numeric,
  "note" text,
  "id" integer
);

-- statement 4 (counting none)
CREATE INDEX ON pgtrickle_changes."changes_16384" (__pgt_xid);

-- statement 5 (counting none)
COMMENT ON TABLE pgtrickle_changes."changes_16384" IS 'pg_trickle change buffer of "public"."orders"';

-- statement 6 (counting none)
CREATE OR REPLACE FUNCTION pgtrickle_changes."capture_16384"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgt$
BEGIN
  PERFORM pgtrickle._wake_scheduler();
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "amount", "note", "id") SELECT 'I', "customer", "amount", "note", "id" FROM __pgt_new;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "amount", "note", "id") SELECT 'D', "customer", "amount", "note", "id" FROM __pgt_old;
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "amount", "note", "id") SELECT 'I', "customer", "amount", "note", "id" FROM __pgt_new;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "amount", "note", "id") SELECT 'D', "customer", "amount", "note", "id" FROM __pgt_old;
  ELSE
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action) VALUES ('T');
  END IF;
  RETURN NULL;
END
$pgt$;

-- statement 7 (counting none)
CREATE TRIGGER pgtrickle_capture_insert AFTER INSERT ON "public"."orders" REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 8 (counting none)
CREATE TRIGGER pgtrickle_capture_update AFTER UPDATE ON "public"."orders" REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 9 (counting none)
CREATE TRIGGER pgtrickle_capture_delete AFTER DELETE ON "public"."orders" REFERENCING OLD TABLE AS __pgt_old FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 10 (counting none)
CREATE TRIGGER pgtrickle_capture_truncate AFTER TRUNCATE ON "public"."orders" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 11 (counting none)
CREATE TRIGGER pgtrickle_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "public"."new_st" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table();

-- statement 12 (counting none)
COMMENT ON TABLE "public"."new_st" IS 'pg_trickle stream table';

-- statement 13 (counting none)
INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
  schedule, refresh_mode, requested_mode, effective_refresh_mode, downgrade_reason, database_identity, refresh_program)
VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', 'SELECT id,
       customer + 1 AS next_customer,
       CASE WHEN amount > 100 THEN ''big'' WHEN amount IS NULL THEN NULL ELSE ''small'' END AS size,
       CASE customer WHEN 1 THEN ''one'' END AS customer_name,
       amount::int AS whole,
       CAST(amount AS numeric(10, 2)) AS rounded,
       note::varchar(20)[] AS notes,
       lower(note),
       pg_catalog.upper(note) AS shout,
       coalesce(note, '''') AS note_or_empty,
       nullif(customer, 0) AS customer_or_null,
       greatest(customer, 0) AS at_least_zero,
       -amount AS negated,
       abs(customer) AS magnitude,
       note COLLATE "C" AS sortable,
       ARRAY[customer, id] AS pair,
       ''it''''s'' AS quoted
  FROM orders
 WHERE customer IN (1, 2, 3)
   AND customer NOT IN (7)
   AND amount BETWEEN 10 AND 20
   AND amount NOT BETWEEN SYMMETRIC 15 AND 14
   AND note IS DISTINCT FROM ''x''
   AND customer IS NOT DISTINCT FROM 4
   AND note LIKE ''a%''
   AND note NOT ILIKE ''%z''
   AND (note IS NOT NULL OR NOT (customer > 5))
   AND (amount > 0) IS TRUE
   AND customer = ANY (ARRAY[4, 5])', 'SELECT id,
       customer + 1 AS next_customer,
       CASE WHEN amount > 100 THEN ''big'' WHEN amount IS NULL THEN NULL ELSE ''small'' END AS size,
       CASE customer WHEN 1 THEN ''one'' END AS customer_name,
       amount::int AS whole,
       CAST(amount AS numeric(10, 2)) AS rounded,
       note::varchar(20)[] AS notes,
       lower(note),
       pg_catalog.upper(note) AS shout,
       coalesce(note, '''') AS note_or_empty,
       nullif(customer, 0) AS customer_or_null,
       greatest(customer, 0) AS at_least_zero,
       -amount AS negated,
       abs(customer) AS magnitude,
       note COLLATE "C" AS sortable,
       ARRAY[customer, id] AS pair,
       ''it''''s'' AS quoted
  FROM orders
 WHERE customer IN (1, 2, 3)
   AND customer NOT IN (7)
   AND amount BETWEEN 10 AND 20
   AND amount NOT BETWEEN SYMMETRIC 15 AND 14
   AND note IS DISTINCT FROM ''x''
   AND customer IS NOT DISTINCT FROM 4
   AND note LIKE ''a%''
   AND note NOT ILIKE ''%z''
   AND (note IS NOT NULL OR NOT (customer > 5))
   AND (amount > 0) IS TRUE
   AND customer = ANY (ARRAY[4, 5])',
  NULL, 'DIFFERENTIAL', 'AUTO', 'DIFFERENTIAL', NULL, pgtrickle._database_identity(), '<the program below>'::jsonb);

-- statement 14 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16384, 'TABLE', ARRAY['customer', 'amount', 'note', 'id']::text[], 'trigger'
FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

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

-- program.full 2 (counting none)
DROP INDEX IF EXISTS "public"."new_st___pgt_row_id_idx";

-- program.full 3 (counting inserted)
INSERT INTO "public"."new_st" ("id", "next_customer", "size", "customer_name", "whole", "rounded", "notes", "lower", "shout", "note_or_empty", "customer_or_null", "at_least_zero", "negated", "magnitude", "sortable", "pair", "quoted", "__pgt_row_id")
SELECT __pgt_src."id" AS "id",
       (__pgt_src."customer" + 1) AS "next_customer",
       CASE WHEN (__pgt_src."amount" > 100) THEN 'big' WHEN (__pgt_src."amount" IS NULL) THEN NULL ELSE 'small' END AS "size",
       CASE __pgt_src."customer" WHEN 1 THEN 'one' END AS "customer_name",
       CAST(__pgt_src."amount" AS "pg_catalog"."int4") AS "whole",
       CAST(__pgt_src."amount" AS "pg_catalog"."numeric"(10, 2)) AS "rounded",
       CAST(__pgt_src."note" AS "pg_catalog"."varchar"(20)[]) AS "notes",
       "lower"(__pgt_src."note") AS "lower",
       "pg_catalog"."upper"(__pgt_src."note") AS "shout",
       COALESCE(__pgt_src."note", '') AS "note_or_empty",
       NULLIF(__pgt_src."customer", 0) AS "customer_or_null",
       GREATEST(__pgt_src."customer", 0) AS "at_least_zero",
       (- __pgt_src."amount") AS "negated",
       "abs"(__pgt_src."customer") AS "magnitude",
       (__pgt_src."note" COLLATE "C") AS "sortable",
       ARRAY[__pgt_src."customer", __pgt_src."id"] AS "pair",
       'it''s' AS "quoted",
       hash_record_extended(ROW(__pgt_src."id"), 0) AS __pgt_row_id
  FROM "public"."orders" AS __pgt_src
  WHERE ((__pgt_src."customer" IN (1, 2, 3)) AND (__pgt_src."customer" NOT IN (7)) AND (__pgt_src."amount" BETWEEN 10 AND 20) AND (__pgt_src."amount" NOT BETWEEN SYMMETRIC 15 AND 14) AND (__pgt_src."note" IS DISTINCT FROM 'x') AND (__pgt_src."customer" IS NOT DISTINCT FROM 4) AND (__pgt_src."note" ~~ 'a%') AND (__pgt_src."note" !~~* '%z') AND ((__pgt_src."note" IS NOT NULL) OR (NOT (__pgt_src."customer" > 5))) AND ((__pgt_src."amount" > 0) IS TRUE) AND (__pgt_src."customer" = ANY (ARRAY[4, 5])));

-- program.full 4 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- program.differential 1 (counting returned)
WITH __pgt_w AS (
SELECT b.__pgt_seq, CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign, b."customer", b."amount", b."note", b."id"
  FROM pgtrickle_changes."changes_16384" AS b
  WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
    AND b.__pgt_action <> 'T'
),
__pgt_last AS (
  SELECT DISTINCT ON (l."id") l.*
  FROM __pgt_w AS l
  WHERE (l."id") IN (SELECT c."id" FROM __pgt_w AS c
    WHERE COALESCE(((c."customer" IN (1, 2, 3)) AND (c."customer" NOT IN (7)) AND (c."amount" BETWEEN 10 AND 20) AND (c."amount" NOT BETWEEN SYMMETRIC 15 AND 14) AND (c."note" IS DISTINCT FROM 'x') AND (c."customer" IS NOT DISTINCT FROM 4) AND (c."note" ~~ 'a%') AND (c."note" !~~* '%z') AND ((c."note" IS NOT NULL) OR (NOT (c."customer" > 5))) AND ((c."amount" > 0) IS TRUE) AND (c."customer" = ANY (ARRAY[4, 5]))), false))
  ORDER BY l."id", l.__pgt_seq DESC
),
__pgt_live AS (
  SELECT l.*, (l.__pgt_sign > 0 AND COALESCE(((l."customer" IN (1, 2, 3)) AND (l."customer" NOT IN (7)) AND (l."amount" BETWEEN 10 AND 20) AND (l."amount" NOT BETWEEN SYMMETRIC 15 AND 14) AND (l."note" IS DISTINCT FROM 'x') AND (l."customer" IS NOT DISTINCT FROM 4) AND (l."note" ~~ 'a%') AND (l."note" !~~* '%z') AND ((l."note" IS NOT NULL) OR (NOT (l."customer" > 5))) AND ((l."amount" > 0) IS TRUE) AND (l."customer" = ANY (ARRAY[4, 5]))), false)) AS __pgt_live
  FROM __pgt_last AS l
),
__pgt_d AS (
  SELECT CASE WHEN v.__pgt_live THEN v."id" END AS "id",
         CASE WHEN v.__pgt_live THEN (v."customer" + 1) END AS "next_customer",
         CASE WHEN v.__pgt_live THEN CASE WHEN (v."amount" > 100) THEN 'big' WHEN (v."amount" IS NULL) THEN NULL ELSE 'small' END END AS "size",
         CASE WHEN v.__pgt_live THEN CASE v."customer" WHEN 1 THEN 'one' END END AS "customer_name",
         CASE WHEN v.__pgt_live THEN CAST(v."amount" AS "pg_catalog"."int4") END AS "whole",
         CASE WHEN v.__pgt_live THEN CAST(v."amount" AS "pg_catalog"."numeric"(10, 2)) END AS "rounded",
         CASE WHEN v.__pgt_live THEN CAST(v."note" AS "pg_catalog"."varchar"(20)[]) END AS "notes",
         CASE WHEN v.__pgt_live THEN "lower"(v."note") END AS "lower",
         CASE WHEN v.__pgt_live THEN "pg_catalog"."upper"(v."note") END AS "shout",
         CASE WHEN v.__pgt_live THEN COALESCE(v."note", '') END AS "note_or_empty",
         CASE WHEN v.__pgt_live THEN NULLIF(v."customer", 0) END AS "customer_or_null",
         CASE WHEN v.__pgt_live THEN GREATEST(v."customer", 0) END AS "at_least_zero",
         CASE WHEN v.__pgt_live THEN (- v."amount") END AS "negated",
         CASE WHEN v.__pgt_live THEN "abs"(v."customer") END AS "magnitude",
         CASE WHEN v.__pgt_live THEN (v."note" COLLATE "C") END AS "sortable",
         CASE WHEN v.__pgt_live THEN ARRAY[v."customer", v."id"] END AS "pair",
         CASE WHEN v.__pgt_live THEN 'it''s' END AS "quoted",
         v."id" AS "__pgt_dk_1",
         hash_record_extended(ROW(v."id"), 0) AS __pgt_row_id,
         v.__pgt_live
  FROM __pgt_live AS v
),
__pgt_m AS (
MERGE INTO "public"."new_st" AS st
USING __pgt_d AS d
  ON st.__pgt_row_id = d.__pgt_row_id AND st."id" = d.__pgt_dk_1
WHEN MATCHED AND NOT d.__pgt_live THEN DELETE
WHEN MATCHED AND (ROW(st."id", st."next_customer", st."size", st."customer_name", st."whole", st."rounded", st."notes", st."lower", st."shout", st."note_or_empty", st."customer_or_null", st."at_least_zero", st."negated", st."magnitude", st."sortable", st."pair", st."quoted", st."__pgt_row_id"))::record *<> (ROW(d."id", d."next_customer", d."size", d."customer_name", d."whole", d."rounded", d."notes", d."lower", d."shout", d."note_or_empty", d."customer_or_null", d."at_least_zero", d."negated", d."magnitude", d."sortable", d."pair", d."quoted", d."__pgt_row_id"))::record THEN
  UPDATE SET "id" = d."id", "next_customer" = d."next_customer", "size" = d."size", "customer_name" = d."customer_name", "whole" = d."whole", "rounded" = d."rounded", "notes" = d."notes", "lower" = d."lower", "shout" = d."shout", "note_or_empty" = d."note_or_empty", "customer_or_null" = d."customer_or_null", "at_least_zero" = d."at_least_zero", "negated" = d."negated", "magnitude" = d."magnitude", "sortable" = d."sortable", "pair" = d."pair", "quoted" = d."quoted", "__pgt_row_id" = d."__pgt_row_id"
WHEN NOT MATCHED AND d.__pgt_live THEN
  INSERT ("id", "next_customer", "size", "customer_name", "whole", "rounded", "notes", "lower", "shout", "note_or_empty", "customer_or_null", "at_least_zero", "negated", "magnitude", "sortable", "pair", "quoted", "__pgt_row_id")
  VALUES (d."id", d."next_customer", d."size", d."customer_name", d."whole", d."rounded", d."notes", d."lower", d."shout", d."note_or_empty", d."customer_or_null", d."at_least_zero", d."negated", d."magnitude", d."sortable", d."pair", d."quoted", d."__pgt_row_id")
RETURNING merge_action() AS action
)
SELECT count(*) FILTER (WHERE action <> 'DELETE'), count(*) FILTER (WHERE action <> 'INSERT') FROM __pgt_m;
