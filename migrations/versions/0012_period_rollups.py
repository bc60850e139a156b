"""week, month and quarter rollup rows for the leaderboards, summed from the day rows

No schema change: the rollups are rows of tally_day with kinds such as "team:w" and day = the
period's first day (see fieldapp/models/tallies.py). A database upgraded from 0010 already holds day
rows; this fills their rollups, so the period leaderboards are right straight after the upgrade
(without it they would count only visits written since). An empty database does nothing.

Revision ID: 0012_period_rollups
Revises: 0010_sessions
"""
from alembic import op

revision = "0012_period_rollups"
down_revision = "0010_sessions"
branch_labels = None
depends_on = None

COUNTERS = ("visits", "helped", "not_home", "declined", "revisit", "reached", "people")

SQLITE_START = {
    "w": "date(day, 'weekday 0', '-6 days')",
    "m": "date(day, 'start of month')",
    "q": "date(day, 'start of month', printf('-%d months', (CAST(strftime('%m', day) AS INTEGER) - 1) % 3))",
}
POSTGRES_START = {p: f"CAST(date_trunc('{unit}', CAST(day AS timestamp)) AS date)"
                  for p, unit in (("w", "week"), ("m", "month"), ("q", "quarter"))}


def upgrade():
    starts = POSTGRES_START if op.get_bind().dialect.name == "postgresql" else SQLITE_START
    op.execute("DELETE FROM tally_day WHERE kind LIKE '%:%'")
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    columns = ", ".join(COUNTERS)
    for kind, only in (("area", "AND ref_id IN (SELECT id FROM areas WHERE level = 'commune')"),
                       ("team", ""), ("member", "")):
        for period, start in starts.items():
            op.execute(
                f"INSERT INTO tally_day (kind, ref_id, day, service_id, {columns}) "
                f"SELECT '{kind}:{period}', ref_id, {start}, service_id, {sums} FROM tally_day "
                f"WHERE kind = '{kind}' {only} GROUP BY ref_id, {start}, service_id")


def downgrade():
    op.execute("DELETE FROM tally_day WHERE kind LIKE '%:%'")
