"""languages as data: no CHECK lists the languages, codes up to 16 characters (issue 11, point 2)

The languages offered come from the LANGUAGES setting (surveys.languages), so adding one is
configuration: the schema no longer names 'en' and 'fr'.

Revision ID: 5e1a7c0d2b9f
Revises: 9cee058b96ab
Create Date: 2026-12-04 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1a7c0d2b9f'
down_revision = '9cee058b96ab'
branch_labels = None
depends_on = None

# (table, the name of its CHECK on the language, if it has one)
LANGUAGE_COLUMNS = (
    ('users', 'known_language'),
    ('archived_workbooks', 'known_language'),
    ('export_jobs', 'known_export_language'),
    ('outbox_messages', None),
)
TWO_LANGUAGES = "language IN ('en', 'fr')"


def upgrade():
    for table, check in LANGUAGE_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if check is not None:
                batch_op.drop_constraint(batch_op.f(f'ck_{table}_{check}'), type_='check')
            batch_op.alter_column(
                'language', existing_type=sa.String(length=2), type_=sa.String(length=16)
            )


def downgrade():
    # Rows in a language other than English or French cannot go back: say which, change nothing.
    bind = op.get_bind()
    for table, _check in LANGUAGE_COLUMNS:
        others = bind.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE NOT ({TWO_LANGUAGES})")
        ).scalar()
        if others:
            raise RuntimeError(
                f"{table}: {others} row(s) in a language other than 'en' or 'fr'; change them "
                "before downgrading"
            )
    for table, check in LANGUAGE_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                'language', existing_type=sa.String(length=16), type_=sa.String(length=2)
            )
            if check is not None:
                batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{check}'), TWO_LANGUAGES)
