"""recount every counter and denominator from the households and visits

0004 created the counter tables without filling them: a database upgraded from an earlier release
kept its visits while every dashboard read "0 / 0 hộ" until a manual `rebuild-tallies`. Releases
before this one also left counters wrong after a village merge (households moved, their counters
stayed). This fills and repairs them in the upgrade's transaction, with the code's own recount
(tallies.operations.rebuild_counters, INSERT ... SELECT ... GROUP BY): an upgraded database then has
the counters a fresh one would. It runs at the schema of this revision, which is the schema that
code reads; a later migration that changes a counter table or what counts recounts in its turn.

Time: seconds for a commune; for 5 million visits rebuild_counters took 360 s on PostgreSQL and
753-1,289 s on SQLite on the shared 2-core machine (docs/performance.md).

Revision ID: 0014_recount
Revises: 0017_machine_access
"""
from alembic import op
from sqlalchemy.orm import Session

revision = "0014_recount"
down_revision = "0017_machine_access"
branch_labels = None
depends_on = None


def upgrade():
    from fieldapp.tallies.operations import rebuild_counters
    session = Session(bind=op.get_bind())
    # The denominator columns of this revision; the dated history comes with 0019_reports.
    rebuild_counters(session, stats=("households", "residents_total", "residents_14plus", "residents_18plus"),
                     history=False)
    session.flush()


def downgrade():
    pass  # the counters stay right; nothing to undo
