"""A province's campaign board (issue 19): an index of the members' and teams' service rows by kind and day
(ix_tally_day_service_rows), so that 25,000 members' points over a campaign's days are one index range of
those days, not one range of the primary key (and a heap page per row) for each member.

The range is read from the index alone only where the visibility map says the heap page is all-visible, and
every visit's counter updates clear it. So on PostgreSQL autovacuum visits tally_day after 2% of its rows
changed, not the default 20% (3.6 M dead rows at 2 M visits), and always cleans its indexes: without that, a
vacuum with few dead rows skips the indexes and leaves those pages not all-visible. Measured at 2 M visits:
the campaign board took 0.61 s just after such a vacuum, 0.76-0.82 s after one that skipped its indexes, and
1.34-1.42 s with the campaign's pages all changed since.

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
        op.execute("ALTER TABLE tally_day SET (autovacuum_vacuum_scale_factor = 0.02, "
                    "autovacuum_vacuum_insert_scale_factor = 0.02, vacuum_index_cleanup = on)")
        op.execute("ANALYZE tally_day")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tally_day RESET (autovacuum_vacuum_scale_factor, "
                    "autovacuum_vacuum_insert_scale_factor, vacuum_index_cleanup)")
    op.drop_index("ix_tally_day_service_rows", table_name="tally_day")
