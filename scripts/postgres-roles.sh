#!/usr/bin/env bash
# docker-compose's PostgreSQL runs this once, when it initialises its data directory
# (/docker-entrypoint-initdb.d): it sets up the two roles of the procureflow database, as the embedded
# PostgreSQL does for `npm start` (src/infra/postgres/database-roles.ts):
#   procureflow_owner  owns the database and its schema, and runs the migrations (DATABASE_MIGRATION_URL);
#   procureflow_app    the API and the worker connect as it (DATABASE_URL); the migrations grant it what it
#                      may do, which excludes rewriting the audit trail and payments.
# A data volume initialised before this script existed has neither role: run it by hand once
# (docker compose exec postgres bash /docker-entrypoint-initdb.d/10-procureflow-roles.sh) or start afresh.
set -euo pipefail

psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set owner_password="$PROCUREFLOW_DB_OWNER_PASSWORD" \
  --set app_password="$PROCUREFLOW_DB_APP_PASSWORD" \
  --set database="$POSTGRES_DB" <<'SQL'
CREATE ROLE procureflow_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE procureflow_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
-- The database's owner also owns its public schema (PostgreSQL 15 and later), where the migrations create everything.
ALTER DATABASE :"database" OWNER TO procureflow_owner;
SQL
