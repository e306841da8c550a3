"""api tokens

Personal access tokens for the read-only data API (/api/v1): stored as SHA-256, with an
expiry, last use, revocation and the per-token rate-limit window.

Revision ID: 9cee058b96ab
Revises: dd46986e8e47
Create Date: 2026-12-04 02:58:59.693314

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401 - used by JSONB columns

import surveys.columns  # noqa: F401 - UTCDateTime columns


# revision identifiers, used by Alembic.
revision = '9cee058b96ab'
down_revision = 'dd46986e8e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', surveys.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', surveys.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', surveys.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', surveys.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('window_started_at', surveys.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('window_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_api_tokens_expires_after_creation')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_api_tokens_name_given')),
    sa.CheckConstraint('window_count >= 0', name=op.f('ck_api_tokens_non_negative_window_count')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_api_tokens_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_api_tokens_user', ['user_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tokens_user')

    op.drop_table('api_tokens')
