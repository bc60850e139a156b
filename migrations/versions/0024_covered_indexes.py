"""Two indexes that another index already covers (issue 19): every visit that helped writes its assistance rows
into ix_assistance_visit_id and into uq_assistance_visit_id_service_id, and the second, which leads with the
same column, answers every lookup by visit (and the cascade of a purged visit). The same holds of
ix_areas_parent_id under ix_areas_parent_name. Dropped: one B-tree insert less per assistance row, and at a
province of 1 M visits 55 MB less to keep in memory. tests/test_app.py checks that no index is a left prefix of
another.

Revision ID: 0024_covered_indexes
Revises: 0023_board_rows
"""
from alembic import op

revision = "0024_covered_indexes"
down_revision = "0023_board_rows"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_assistance_visit_id", table_name="assistance")
    op.drop_index("ix_areas_parent_id", table_name="areas")


def downgrade():
    op.create_index("ix_areas_parent_id", "areas", ["parent_id"], unique=False)
    op.create_index("ix_assistance_visit_id", "assistance", ["visit_id"], unique=False)
