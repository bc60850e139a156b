"""The volunteer's day and the leader's week (issue 16): return visits with a date, households assigned
to members, visits entered from a paper walk sheet, and what each phone last said about its outbox.

visits.return_on, households.return_on (the latest visit's promise), households.assignee_id,
visits.entered_by_id and the sync_reports table. Nothing to fill: no visit promised a date, no household
was assigned and no visit was entered from paper before this revision, and no phone has reported yet.

Revision ID: 0020_walk
Revises: 0019_reports
"""
from alembic import op
import sqlalchemy as sa

revision = "0020_walk"
down_revision = "0019_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("return_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_visits_entered_by_id_users"), "users", ["entered_by_id"], ["id"])
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("return_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_households_assignee_id_users"), "users", ["assignee_id"], ["id"])
        batch.create_index(batch.f("ix_households_assignee_id"), ["assignee_id"], unique=False)
    op.create_table(
        "sync_reports",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("oldest_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sync_reports_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sync_reports")),
    )


def downgrade():
    op.drop_table("sync_reports")
    with op.batch_alter_table("households") as batch:
        batch.drop_index(batch.f("ix_households_assignee_id"))
        batch.drop_constraint(batch.f("fk_households_assignee_id_users"), type_="foreignkey")
        batch.drop_column("assignee_id")
        batch.drop_column("return_on")
    with op.batch_alter_table("visits") as batch:
        batch.drop_constraint(batch.f("fk_visits_entered_by_id_users"), type_="foreignkey")
        batch.drop_column("entered_by_id")
        batch.drop_column("return_on")
