"""Alembic environment: the app's metadata, SQLite batch mode, and tables that are not ours."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from surveys.scheduling.alembic import include_object  # APScheduler's table is not ours

config = context.config
if config.config_file_name is not None and not current_app.testing:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_metadata():
    return current_app.extensions["migrate"].db.metadata


def run_migrations_online() -> None:
    def skip_empty_revisions(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    connectable = current_app.extensions["migrate"].db.engine
    # Flask-Migrate supplies compare_type and render_as_batch (SQLite ALTERs) itself.
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_revisions)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `surveys db upgrade`.")
run_migrations_online()
