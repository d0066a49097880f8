# PGXS build of pg_trickle.
#   make [PG_CONFIG=/path/to/pg_config]     builds pg_trickle.so (runs the AssemblyScript → wasm2c chain)
#   make install                            installs the library, control file and SQL scripts
# The engine C (build/engine/engine.c) and the install script are generated here, never committed;
# archived install scripts (sql/archive/) and upgrade scripts (sql/pg_trickle--A--B.sql) are committed.

EXTENSION = pg_trickle
MODULE_big = pg_trickle
EXTVERSION = 0.4.0

NATIVE_OBJS = native/pg_trickle.o native/api.o native/refresh.o native/immediate.o native/scheduler.o native/restore.o native/inheritance.o native/engine_call.o \
	native/engine_host.o native/engine_abi.o native/wasm-rt/wasm-rt-impl.o
OBJS = $(NATIVE_OBJS) build/engine/engine.o

DATA_built = sql/pg_trickle--$(EXTVERSION).sql
# Every released version's install script and every upgrade script, so CREATE EXTENSION ... VERSION
# and ALTER EXTENSION ... UPDATE reach any version from any earlier one.
DATA = $(wildcard sql/archive/pg_trickle--*.sql) $(wildcard sql/pg_trickle--*--*.sql)
PG_CPPFLAGS = -DPGT_VERSION='"$(EXTVERSION)"' -I$(srcdir)/native -I$(srcdir)/native/wasm-rt -I$(srcdir)/build/generated -I$(srcdir)/build/engine
EXTRA_CLEAN = build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

NODE ?= node
TSX = $(NODE) $(srcdir)/node_modules/tsx/dist/cli.mjs
ENGINE_SOURCES := $(shell find $(srcdir)/src/engine -name '*.ts' ! -name '*.generated.ts') \
	$(srcdir)/src/errors/errors.json $(srcdir)/asconfig.json

$(srcdir)/node_modules/tsx/dist/cli.mjs:
	cd $(srcdir) && npm ci --no-audit --no-fund

build/engine/engine.c build/engine/engine.h build/generated/pgt_errors.h &: $(ENGINE_SOURCES) | $(srcdir)/node_modules/tsx/dist/cli.mjs
	$(TSX) $(srcdir)/src/build/build.ts engine

sql/pg_trickle--$(EXTVERSION).sql: $(shell find $(srcdir)/src/sql -name '*.ts') | $(srcdir)/node_modules/tsx/dist/cli.mjs
	$(TSX) $(srcdir)/src/build/build.ts sql

# wasm2c output is large and machine-written: build it without the warnings PostgreSQL's CFLAGS enable.
build/engine/engine.o: override CFLAGS += -Wno-unused-value -Wno-unused-function -Wno-unused-variable \
	-Wno-unused-but-set-variable -Wno-declaration-after-statement -Wno-missing-prototypes
$(NATIVE_OBJS): build/generated/pgt_errors.h build/engine/engine.h build/pg-target

# The shim's objects are compiled against one PostgreSQL's headers. This stamp changes whenever
# PG_CONFIG points at another installation, which makes them (and the library) build again; the
# engine's object does not include PostgreSQL headers and is reused.
PG_TARGET := $(shell $(PG_CONFIG) --version) $(PG_CONFIG)
build/pg-target: FORCE
	@mkdir -p build; echo '$(PG_TARGET)' | cmp -s - $@ || echo '$(PG_TARGET)' > $@
.PHONY: FORCE
FORCE:
