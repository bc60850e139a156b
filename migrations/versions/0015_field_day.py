"""The field day (issue 16): a campaign's results can be reopened after freezing.

campaigns.reopened_at: set when the organiser undoes a freeze; the nightly freeze of ended
campaigns then leaves that campaign to be frozen again by hand. Nothing to fill: no campaign
was reopened before this revision.

Revision ID: 0015_field_day
Revises: 0013_reach_first_at
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_field_day"
down_revision = "0013_reach_first_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("reopened_at")
