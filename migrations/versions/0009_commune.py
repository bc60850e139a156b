"""commune management: member deactivation reason, commune default campaign points

Revision ID: 0009_commune
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_commune"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivation_reason", sa.String(length=20), nullable=True))
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_points", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_column("campaign_points")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deactivation_reason")
