# pg_trickle's everyday tasks. `just` lists them; each wraps a command that works without just too.
# PG_CONFIG selects the PostgreSQL to build against: `just install /path/to/pg_config`,
# `just install PG_CONFIG=/path/to/pg_config` or `PG_CONFIG=/path/to/pg_config just install`.

set shell := ["bash", "-euo", "pipefail", "-c"]
# Recipe arguments reach the commands as "$@", quoting intact.
set positional-arguments

PG_CONFIG := env_var_or_default("PG_CONFIG", "pg_config")

# List the recipes
default:
    @just --list

# Build pg_trickle.so (engine → wasm → C, install script, PGXS) against pg_config
build pg_config=PG_CONFIG:
    pg_config='{{pg_config}}'; make PG_CONFIG="${pg_config#PG_CONFIG=}" -j"$(nproc)"

# Build and install pg_trickle into the PostgreSQL that pg_config describes
install pg_config=PG_CONFIG:
    pg_config='{{pg_config}}'; make PG_CONFIG="${pg_config#PG_CONFIG=}" -j"$(nproc)" && make PG_CONFIG="${pg_config#PG_CONFIG=}" install

# Run the whole test suite on PostgreSQL 17 and 18 (e.g. `just test --pg 18 -- tests/integration`)
test *args:
    npx pgtrickle test "$@"

# Run the narrated demo on the managed PostgreSQL 18 development cluster
demo:
    npx pgtrickle demo

# Run the benchmarks
bench *args:
    npm run bench -- "$@"

# Start the development cluster (PostgreSQL 18 unless given 17); prints its URI last
dev-start pg="18":
    npx pgtrickle dev start --pg {{pg}}

# Stop every development cluster
dev-stop:
    npx pgtrickle dev stop

# Open psql on the development cluster (PostgreSQL 18); extra arguments go to psql
psql *args:
    npx pgtrickle dev psql -- "$@"

# Delete build outputs (keeps node_modules and the PostgreSQL cache in ~/.cache/pg_trickle)
clean:
    rm -rf build native/addon/build pg_trickle.so "sql/pg_trickle--$(node -p 'require("./package.json").version').sql"
    find native -name '*.o' -delete
