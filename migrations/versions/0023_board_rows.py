"""A province's campaign board (issue 19): an index of the members' and teams' service rows by kind and day
(ix_tally_day_service_rows), so that 25,000 members' points over a campaign's days are one index range of
those days, not one range of the primary key (and a heap page per row) for each member.

Revision ID: 0023_board_rows
Revises: 0022_active
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_board_rows"
down_revision = "0022_active"
branch_labels = None
depends_on = None

# As fieldapp.models.tallies.SERVICE_ROWS_BY_DAY (a migration keeps its own copy: the model may move on).
WHERE = "service_id <> 0 AND kind IN ('member', 'team')"


def upgrade():
    op.create_index("ix_tally_day_service_rows", "tally_day", ["kind", "day", "ref_id", "service_id", "people"],
                    postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE tally_day")


def downgrade():
    op.drop_index("ix_tally_day_service_rows", table_name="tally_day")
