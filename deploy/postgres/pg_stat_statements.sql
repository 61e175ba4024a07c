-- Runs once, when the PostgreSQL data folder is created (docker-entrypoint-initdb.d): the view the
-- runbooks query for slow statements (seed 004 §10.2: SELECT … FROM pg_stat_statements). The
-- library itself is preloaded by the server's command line (shared_preload_libraries).
-- A data folder created before this file existed: run it by hand, e.g.
--   docker compose exec postgres psql -U omni -d omni -f /docker-entrypoint-initdb.d/10-pg_stat_statements.sql
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
