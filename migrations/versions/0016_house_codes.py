"""households.code_key: house codes unique in a village after NFKC, spaces and case (issue 17.13)

"H 001", "h001" and "H０01" (a full-width zero) were accepted beside H001. The key (text.code_key)
is filled here for every household, and a unique index on (village_id, code_key) holds from now on.

Near-duplicates already stored are kept as they are, with their code as typed and their visits:
the first household of a village to hold a key (oldest created_at, then id) keeps it; each later
near-duplicate gets the key with a suffix (h001~2, h001~3 …, never one another code already has),
so the index can be built and the upgrade never fails. Such a household must get a distinct code at
its next edit (the form names the household it clashes with). The upgrade logs each village's
near-duplicates.

Revision ID: 0016_house_codes
Revises: 0018_notices
"""
import logging

from alembic import op
import sqlalchemy as sa

from fieldapp.text import CODE_KEY_LENGTH, code_key

revision = "0016_house_codes"
down_revision = "0018_notices"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _suffixed(key: str, n: int) -> str:
    suffix = f"~{n}"
    return key[:CODE_KEY_LENGTH - len(suffix)] + suffix


def upgrade():
    op.add_column("households", sa.Column("code_key", sa.String(length=CODE_KEY_LENGTH), nullable=False,
                                          server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, village_id, code FROM households ORDER BY village_id, created_at, id"))
    updates, village, natural, later = [], None, set(), []

    def settle():
        """One village: the first holder of each key keeps it; the later ones get a free suffix."""
        used = set(natural)
        for hid, key, code in later:
            n = 2
            while _suffixed(key, n) in used:
                n += 1
            used.add(_suffixed(key, n))
            updates.append({"id": hid, "key": _suffixed(key, n)})
            log.warning("house code %r of village %s is a near-duplicate of another household's; "
                        "kept, with key %r", code, village, _suffixed(key, n))

    for hid, village_id, code in rows:
        if village_id != village:
            settle()
            village, natural, later = village_id, set(), []
        key = code_key(code)
        if key in natural:
            later.append((hid, key, code))
        else:
            natural.add(key)
            updates.append({"id": hid, "key": key})
    settle()
    for start in range(0, len(updates), 5000):
        conn.execute(sa.text("UPDATE households SET code_key = :key WHERE id = :id"), updates[start:start + 5000])
    op.create_index("ix_households_village_code_key", "households", ["village_id", "code_key"], unique=True)


def downgrade():
    op.drop_index("ix_households_village_code_key", table_name="households")
    op.drop_column("households", "code_key")  # SQLite 3.35+ drops a column in place
