#!/bin/bash
# The catalog's own database and role beside Airflow's (run once by the postgres image on a new volume).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE kdata LOGIN PASSWORD '${KDATA_DB_PASSWORD}';
CREATE DATABASE kdata OWNER kdata;
SQL
