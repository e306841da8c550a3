"""outbox withdrawal and delivery claims: a message can be withdrawn before it goes (its news was
overtaken: a round's closing date moved), delivery claims a message ("sending") before handing it
to the relay, and a message about one country's part in a round names the country

Unsent round notices already queued learn their country when the person they were written for
answers for exactly one of the round's countries (the others stay without one: never withdrawn,
as before). A downgrade turns a claim into "pending" (sent again: delivery is at-least-once) and a
withdrawn message, or one withdrawn while a delivery was sending it, into a failed one given up
on (never sent), its reason in last_error ("withdrawn: <reason>"); the upgrade after such a
downgrade withdraws those again (never resent).

Revision ID: 35ad25662412
Revises: 7b3d9e5f1a2c
Create Date: 2026-12-05 19:05:32.230949

"""
from alembic import op
import sqlalchemy as sa

import surveys.columns  # UTCDateTime columns


# revision identifiers, used by Alembic.
revision = '35ad25662412'
down_revision = '7b3d9e5f1a2c'
branch_labels = None
depends_on = None

# What the downgrade writes in last_error of a withdrawn message it keeps as a failed one.
WITHDRAWN_PREFIX = 'withdrawn: '
FIVE_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'withdrawn')"
THREE_STATUSES = "status IN ('pending', 'sent', 'failed')"
# The notices to a country's respondents that state its closing date (rounds.notices).
DATED_COUNTRY_NOTICES = (
    "'round.opening', 'round.reminder', 'round.reminder_now', 'round.extended', 'round.closing'"
)
# The round's countries the message's recipient answers for.
RECIPIENTS_COUNTRIES = """
    FROM user_countries uc
    JOIN round_countries rc ON rc.country_id = uc.country_id
    WHERE uc.user_id = outbox_messages.user_id AND rc.round_id = outbox_messages.round_id
"""


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', surveys.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_country_id_countries'), 'countries', ['country_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_known_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_messages_known_status'), FIVE_STATUSES)
        batch_op.create_check_constraint(
            batch_op.f('ck_outbox_messages_withdrawal_explained'),
            '(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)',
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_outbox_messages_withdrawn_when_known'),
            "status != 'withdrawn' OR withdrawn_at IS NOT NULL",
        )
    op.execute(
        f"""
        UPDATE outbox_messages
        SET country_id = (SELECT min(uc.country_id) {RECIPIENTS_COUNTRIES})
        WHERE status IN ('pending', 'failed')
          AND kind IN ({DATED_COUNTRY_NOTICES})
          AND (SELECT count(*) {RECIPIENTS_COUNTRIES}) = 1
        """
    )
    # Back from a downgrade: what was withdrawn is withdrawn again (a failed message given up
    # on would be offered for a resend). When it was is not known any more: now, at the latest.
    op.execute(
        sa.text(
            f"""
            UPDATE outbox_messages
            SET status = 'withdrawn', withdrawn_at = :now, last_error = '',
                withdrawn_reason = substr(last_error, {len(WITHDRAWN_PREFIX) + 1}, 40)
            WHERE status = 'failed' AND next_attempt_at IS NULL
              AND last_error LIKE '{WITHDRAWN_PREFIX}%'
            """
        ).bindparams(
            sa.bindparam("now", surveys.columns.utcnow(), type_=surveys.columns.UTCDateTime())
        )
    )


def downgrade():
    # Withdrawn, or withdrawn while a delivery was sending it (its claim would otherwise become
    # "pending" below, and the previous version, which knows no withdrawal, would send it).
    op.execute(
        "UPDATE outbox_messages SET status = 'failed', next_attempt_at = NULL, "
        f"last_error = '{WITHDRAWN_PREFIX}' || withdrawn_reason "
        "WHERE status = 'withdrawn' OR (status = 'sending' AND withdrawn_at IS NOT NULL)"
    )
    op.execute(
        "UPDATE outbox_messages SET status = 'pending', next_attempt_at = NULL "
        "WHERE status = 'sending'"
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_withdrawn_when_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_withdrawal_explained'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_known_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_messages_known_status'), THREE_STATUSES)
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_country_id_countries'), type_='foreignkey')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('country_id')
