#!/bin/sh
# Run once by the postgres image when its data volume is new (docker-entrypoint-initdb.d).
# Two roles (audit/roles.py): the owner of the tables, who runs migrations, and the app's role, which owns
# nothing, is no superuser, and so cannot disable the audit triggers or truncate a table.
set -eu
: "${KHUNATHAM_OWNER_PASSWORD:?set KHUNATHAM_OWNER_PASSWORD in .env}"
: "${KHUNATHAM_APP_PASSWORD:?set KHUNATHAM_APP_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$KHUNATHAM_OWNER_PASSWORD" -v app_password="$KHUNATHAM_APP_PASSWORD" <<'SQL'
CREATE ROLE khunatham_owner LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'owner_password';
CREATE ROLE khunatham_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'app_password';
CREATE DATABASE khunatham OWNER khunatham_owner;
SQL
