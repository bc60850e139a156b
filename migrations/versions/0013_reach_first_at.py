"""household_reach.first_at: the time of each household's first visit

With it, a new visit is compared with the household's first visit without reading the visits
(the sync batch and the form did that read for every visit on or before the first visit's day).
Filled here from the visits; a row left NULL is handled by the code (it reads the visits).

Revision ID: 0013_reach_first_at
Revises: 0012_period_rollups
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_reach_first_at"
down_revision = "0012_period_rollups"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("household_reach", sa.Column("first_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE household_reach SET first_at = (SELECT MIN(v.visited_at) FROM visits v "
               "WHERE v.household_id = household_reach.household_id AND v.deleted_at IS NULL)")


def downgrade():
    op.drop_column("household_reach", "first_at")  # SQLite 3.35+ drops a column in place
