"""Running the platform in production: `/health`, `surveys check`, backups (the structured logs
are the platform's own, surveys/logs.py: the web app and the scheduler both set them up)."""
