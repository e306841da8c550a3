"""file store, scheduler heartbeats

Evidence files and archived workbooks keep their bytes in a file store (the database by default)
instead of UPLOAD_DIR and ARCHIVE_DIR; `surveys storage migrate` copies the files of an existing
installation into it. An archived workbook's old path was always round-<id>/<filename> under
ARCHIVE_DIR, so the column goes and the downgrade rebuilds it.

Revision ID: 9efa21aa2f0f
Revises: b4bbb4e221bc
Create Date: 2026-12-03 21:10:18.803302

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401 - used by JSONB columns

import surveys.columns  # noqa: F401 - UTCDateTime columns


# revision identifiers, used by Alembic.
revision = '9efa21aa2f0f'
down_revision = 'b4bbb4e221bc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_heartbeats',
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('started_at', surveys.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('beat_at', surveys.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('swept_at', surveys.columns.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('leader', 'standby')", name=op.f('ck_scheduler_heartbeats_known_role')),
    sa.PrimaryKeyConstraint('worker', name=op.f('pk_scheduler_heartbeats'))
    )
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_heartbeats_beat_at'), ['beat_at'], unique=False)

    op.create_table('stored_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('created_at', surveys.columns.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('chunk_count >= 0', name=op.f('ck_stored_files_non_negative_chunks')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_stored_files_sha256_length')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_stored_files_non_negative_size')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_files'))
    )
    op.create_table('stored_file_chunks',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint('seq >= 0', name=op.f('ck_stored_file_chunks_non_negative_seq')),
    sa.ForeignKeyConstraint(['sha256'], ['stored_files.sha256'], name=op.f('fk_stored_file_chunks_sha256_stored_files')),
    sa.PrimaryKeyConstraint('sha256', 'seq', name=op.f('pk_stored_file_chunks'))
    )
    with op.batch_alter_table('archived_workbooks', schema=None) as batch_op:
        batch_op.drop_column('path')



def downgrade():
    with op.batch_alter_table('archived_workbooks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.VARCHAR(length=500), nullable=True))
    op.execute(
        "UPDATE archived_workbooks SET path = 'round-' || CAST(round_id AS VARCHAR) || '/' || filename"
    )
    with op.batch_alter_table('archived_workbooks', schema=None) as batch_op:
        batch_op.alter_column('path', existing_type=sa.VARCHAR(length=500), nullable=False)

    op.drop_table('stored_file_chunks')
    op.drop_table('stored_files')
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_heartbeats_beat_at'))

    op.drop_table('scheduler_heartbeats')
