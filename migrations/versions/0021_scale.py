"""Province scale (issue 19): area-prefix filters an index can serve, the audit log read a page at a
time, and background jobs.

- areas.path and audit_log.area_path in the "C" collation on PostgreSQL (whatever the database's own):
  a b-tree index then serves `models.areas.within` (a byte range), which a prefix LIKE under C.UTF-8 or
  vi-VN cannot use. SQLite compares them byte by byte already.
- audit_log.commune_id, filled from area_path here and on every insert after (the model's default);
  indexes (at, id) and (commune_id, at, id) replace (area_path, at): an officer's or an admin's page is a
  short walk down one of them, with no count of the whole log.
- visits (visited_at): the drill-down's newest visits of a commune or a province without sorting them all.
- jobs: long work (imports, large exports, rebuilds) run by the worker, with its progress and its result.

Revision ID: 0021_scale
Revises: 0020_walk
"""
from alembic import op
import sqlalchemy as sa


revision = "0021_scale"
down_revision = "0020_walk"
branch_labels = None
depends_on = None


def _collate(table: str, column: str, collation: str | None) -> None:
    clause = f' COLLATE "{collation}"' if collation else ' COLLATE "default"'
    op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(200){clause}")


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        _collate("areas", "path", "C")
        _collate("audit_log", "area_path", "C")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_audit_area_at")
    if postgres:
        op.execute("UPDATE audit_log SET commune_id = split_part(area_path, '/', 3)::integer "
                   "WHERE area_path ~ '^/[0-9]+/[0-9]+/'")
    else:
        op.execute("UPDATE audit_log SET commune_id = CAST(substr(substr(area_path, 2), "
                   "instr(substr(area_path, 2), '/') + 1) AS INTEGER) "
                   "WHERE area_path GLOB '/[0-9]*/[0-9]*/*'")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.create_index("ix_audit_at", ["at", "id"])
        batch_op.create_index("ix_audit_commune_at", ["commune_id", "at", "id"])
    with op.batch_alter_table("visits") as batch_op:
        batch_op.create_index("ix_visits_visited", ["visited_at"])
    if postgres:  # a column's new type drops its statistics: the planner would guess the prefix ranges
        op.execute("ANALYZE areas")
        op.execute("ANALYZE audit_log")

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("area_path", sa.String(length=200).with_variant(sa.String(200, collation="C"), "postgresql"),
                  nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("file_type", sa.String(length=120), nullable=True),
        sa.Column("file_data", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_jobs_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.create_index("ix_jobs_user_created", ["user_id", "created_at"])
        batch_op.create_index("ix_jobs_state_created", ["state", "created_at"])


def downgrade():
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_index("ix_jobs_state_created")
        batch_op.drop_index("ix_jobs_user_created")
    op.drop_table("jobs")
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_index("ix_visits_visited")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_index("ix_audit_commune_at")
        batch_op.drop_index("ix_audit_at")
        batch_op.create_index("ix_audit_area_at", ["area_path", "at"])
        batch_op.drop_column("commune_id")
    if op.get_bind().dialect.name == "postgresql":
        _collate("audit_log", "area_path", None)
        _collate("areas", "path", None)
