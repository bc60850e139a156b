"""Commune notices (issue 16, item 6): the officer's short notices to the teams, and who has read them.

notices: one row per notice, for the commune's teams or a campaign's teams there, shown on home
screens until expires_on (a local day) or until archived. notice_seen: one row per member who
tapped "Đã xem". Nothing to fill: there were no notices before this revision.

Revision ID: 0018_notices
Revises: 0014_recount
"""
from alembic import op
import sqlalchemy as sa

revision = "0018_notices"
down_revision = "0014_recount"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.String(length=1000), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["commune_id"], ["areas.id"], name=op.f("fk_notices_commune_id_areas")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_notices_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_notices_created_by_id_users")),
        sa.ForeignKeyConstraint(["archived_by_id"], ["users.id"], name=op.f("fk_notices_archived_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_commune_expires", ["commune_id", "expires_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_campaign_id"), ["campaign_id"], unique=False)
    op.create_table(
        "notice_seen",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE",
                                name=op.f("fk_notice_seen_notice_id_notices")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notice_seen_user_id_users")),
        sa.PrimaryKeyConstraint("notice_id", "user_id", name=op.f("pk_notice_seen")),
    )
    with op.batch_alter_table("notice_seen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_seen_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("notice_seen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_seen_user_id"))
    op.drop_table("notice_seen")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_campaign_id"))
        batch_op.drop_index("ix_notices_commune_expires")
    op.drop_table("notices")
