# syntax=docker/dockerfile:1
#
# PostgreSQL 18 with pg_trickle installed, built the way the README documents:
#   docker build -t pg_trickle .
#   docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=secret -v pgdata:/var/lib/postgresql/data pg_trickle
#   psql postgresql://postgres:secret@localhost:5432/postgres -c 'CREATE EXTENSION pg_trickle'
#
# Build stage. Debian bookworm ships Node 18 and building pg_trickle needs Node 20, so the base is
# the official node:20-bookworm image, which is Debian bookworm with Node 20.
FROM node:20-bookworm AS build

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential bison flex perl bzip2 ca-certificates curl debian-archive-keyring \
 && rm -rf /var/lib/apt/lists/*

# PostgreSQL 18 from Debian's source package. Like src/cluster/provision.ts, this fetches it with
# `apt-get source --download-only` through a private apt configuration (deb-src for sid, signed
# with the Debian archive keyring) and leaves the image's own apt sources alone. The configure
# flags match the managed clusters, without --enable-cassert.
ARG DEBIAN_MIRROR=http://deb.debian.org/debian
RUN set -eux; \
    apt_dir=/tmp/pgtrickle-apt; \
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"; \
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR sid main" \
      > "$apt_dir/sources.list"; \
    apt_options="-o Dir::Etc::sourcelist=$apt_dir/sources.list -o Dir::Etc::sourceparts=$apt_dir/sources.list.d \
      -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir/cache"; \
    apt-get $apt_options update; \
    mkdir -p /usr/src/postgresql; \
    cd /usr/src/postgresql; \
    apt-get $apt_options source --download-only postgresql-18; \
    tar -xf postgresql-18_*.orig.tar.*; \
    cd postgresql-18.*/; \
    ./configure --prefix=/usr/local/pgsql --without-icu --without-readline --without-zlib; \
    make -j"$(nproc)"; \
    make install; \
    rm -rf /usr/src/postgresql "$apt_dir"

# The extension: dependencies first so that they stay cached while the sources change.
WORKDIR /src/pg_trickle
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN make PG_CONFIG=/usr/local/pgsql/bin/pg_config -j"$(nproc)" \
 && make PG_CONFIG=/usr/local/pgsql/bin/pg_config install

# Runtime stage: the same Debian release. Node is needed only to build, so it is not included.
FROM debian:bookworm-slim

COPY --from=build /usr/local/pgsql /usr/local/pgsql

RUN groupadd --system postgres \
 && useradd --system --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && mkdir -p /var/lib/postgresql/data \
 && chown -R postgres:postgres /var/lib/postgresql \
 && chmod 700 /var/lib/postgresql/data

# On first start, initializes the cluster: superuser postgres with the password from
# POSTGRES_PASSWORD, scram-sha-256 over TCP from any address, trust over the local socket, and
# pg_trickle preloaded. Later starts reuse the data directory.
COPY --chmod=755 <<'EOF' /usr/local/bin/docker-entrypoint.sh
#!/bin/sh
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "docker-entrypoint: set POSTGRES_PASSWORD to initialize the database" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --no-locale
    rm -f "$pwfile"
    cat >> "$PGDATA/postgresql.conf" <<CONF

# Written by docker-entrypoint.sh on first start
listen_addresses = '*'
password_encryption = 'scram-sha-256'
shared_preload_libraries = 'pg_trickle'
wal_level = logical
CONF
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi
exec postgres -D "$PGDATA" "$@"
EOF

ENV PATH=/usr/local/pgsql/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# SIGINT is PostgreSQL's fast shutdown.
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
