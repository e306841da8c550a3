"""country names per language: countries.names (JSON, {"en": ..., "fr": ...}) instead of the
name_en and name_fr columns, like the questionnaires' texts (issue 11, point 2)

The names are carried over both ways; a downgrade keeps the English and French names (a name
in another language has no column to go back to) and fills a missing one with the default's.

Revision ID: 7b3d9e5f1a2c
Revises: c4f1e2a9b7d3
Create Date: 2026-12-04 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


# revision identifiers, used by Alembic.
revision = '7b3d9e5f1a2c'
down_revision = 'c4f1e2a9b7d3'
branch_labels = None
depends_on = None

NAMES = sa.JSON().with_variant(JSONB(), 'postgresql')
countries = sa.table(
    'countries',
    sa.column('id', sa.Integer),
    sa.column('name_en', sa.String),
    sa.column('name_fr', sa.String),
    sa.column('names', NAMES),
)


def upgrade():
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', NAMES, nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(countries.c.id, countries.c.name_en, countries.c.name_fr))
    for country_id, name_en, name_fr in rows.all():
        bind.execute(
            countries.update()
            .where(countries.c.id == country_id)
            .values(names={'en': name_en, 'fr': name_fr})
        )
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.alter_column('names', existing_type=NAMES, nullable=False)
        batch_op.drop_column('name_fr')
        batch_op.drop_column('name_en')


def downgrade():
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('name_fr', sa.String(length=120), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(countries.c.id, countries.c.names))
    for country_id, names in rows.all():
        names = names or {}
        english = names.get('en') or next(iter(names.values()), '')
        bind.execute(
            countries.update()
            .where(countries.c.id == country_id)
            .values(name_en=english[:120], name_fr=(names.get('fr') or english)[:120])
        )
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.alter_column('name_en', existing_type=sa.String(length=120), nullable=False)
        batch_op.alter_column('name_fr', existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_column('names')
