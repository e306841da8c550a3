"""query on a check: a coordinator's query may name the failed validation check it is about
(issue 12, point 3)

Revision ID: c4f1e2a9b7d3
Revises: 5e1a7c0d2b9f
Create Date: 2026-12-04 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1e2a9b7d3'
down_revision = '5e1a7c0d2b9f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_queries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('rule_text', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_review_queries_rule_named'), '(rule_key IS NULL) = (rule_text IS NULL)'
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_review_queries_rule_on_question'),
            'rule_key IS NULL OR question_id IS NOT NULL',
        )


def downgrade():
    with op.batch_alter_table('review_queries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_review_queries_rule_on_question'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_review_queries_rule_named'), type_='check')
        batch_op.drop_column('rule_text')
        batch_op.drop_column('rule_key')
