"""Running the platform in production: structured logs, `/health`, `surveys check`, backups."""
