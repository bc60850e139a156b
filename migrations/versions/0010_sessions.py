"""outreach sessions: meetings, trainings, help points, loudspeaker broadcasts

Revision ID: 0010_sessions
Revises: 0004_tallies
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_sessions"
down_revision = "0004_tallies"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outreach_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("attendees >= 0", name=op.f("ck_outreach_sessions_attendees_non_negative")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_outreach_sessions_created_by_id_users")),
        sa.ForeignKeyConstraint(["deleted_by_id"], ["users.id"], name=op.f("fk_outreach_sessions_deleted_by_id_users")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_outreach_sessions_team_id_teams")),
        sa.ForeignKeyConstraint(["village_id"], ["areas.id"], name=op.f("fk_outreach_sessions_village_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_sessions")),
    )
    with op.batch_alter_table("outreach_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_outreach_village_held", ["village_id", "held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_outreach_sessions_team_id"), ["team_id"], unique=False)
    op.create_table(
        "outreach_session_services",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_outreach_session_services_service_id_services")),
        sa.ForeignKeyConstraint(["session_id"], ["outreach_sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_outreach_session_services_session_id_outreach_sessions")),
        sa.PrimaryKeyConstraint("session_id", "service_id", name=op.f("pk_outreach_session_services")),
    )


def downgrade():
    op.drop_table("outreach_session_services")
    with op.batch_alter_table("outreach_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_sessions_team_id"))
        batch_op.drop_index("ix_outreach_village_held")
    op.drop_table("outreach_sessions")
