"""Who was active in a period, for a province's report (issue 19): an index of the counters' visit rows
by kind and day (ix_tally_day_visit_rows), so the members and teams with a visit in a year are read one
index range per period of the cover, not from every member's rows of the whole table.

Revision ID: 0022_active
Revises: 0021_scale
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_active"
down_revision = "0021_scale"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_tally_day_visit_rows", "tally_day", ["kind", "day", "ref_id", "visits"],
                    postgresql_where=sa.text("service_id = 0"), sqlite_where=sa.text("service_id = 0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE tally_day")


def downgrade():
    op.drop_index("ix_tally_day_visit_rows", table_name="tally_day")
