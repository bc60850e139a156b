"""qr: team invites, join requests, one-time sign-ins, badges, household tags

Revision ID: 0003_qr
Revises: 0001
Create Date: 2026-11-22 05:55:23.351122

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_qr'
down_revision = "0009_commune"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('last_viewed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_badges_issued_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_badges_team_id_teams')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_badges_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badges')),
    sa.UniqueConstraint('token', name=op.f('uq_badges_token'))
    )
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.create_index('ix_badges_one_live', ['user_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_badges_user_id'), ['user_id'], unique=False)

    op.create_table('one_time_logins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_one_time_logins_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_one_time_logins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_logins')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_one_time_logins_token_hash'))
    )
    with op.batch_alter_table('one_time_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_logins_user_id'), ['user_id'], unique=False)

    op.create_table('team_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('auto_approve', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_team_invites_created_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_invites_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_invites')),
    sa.UniqueConstraint('token', name=op.f('uq_team_invites_token'))
    )
    with op.batch_alter_table('team_invites', schema=None) as batch_op:
        batch_op.create_index('ix_team_invites_one_live', ['team_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_team_invites_team_id'), ['team_id'], unique=False)

    op.create_table('household_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_tags_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_tags')),
    sa.UniqueConstraint('household_id', name=op.f('uq_household_tags_household_id')),
    sa.UniqueConstraint('token', name=op.f('uq_household_tags_token'))
    )
    op.create_table('join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=15), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_join_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['invite_id'], ['team_invites.id'], name=op.f('fk_join_requests_invite_id_team_invites')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_join_requests_team_id_teams')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_join_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests'))
    )
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_requests_invite_id'), ['invite_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_requests_phone'), ['phone'], unique=False)
        batch_op.create_index('ix_join_requests_team_status', ['team_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_join_requests_team_status')
        batch_op.drop_index(batch_op.f('ix_join_requests_phone'))
        batch_op.drop_index(batch_op.f('ix_join_requests_invite_id'))

    op.drop_table('join_requests')
    op.drop_table('household_tags')
    with op.batch_alter_table('team_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_invites_team_id'))
        batch_op.drop_index('ix_team_invites_one_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.drop_table('team_invites')
    with op.batch_alter_table('one_time_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_logins_user_id'))

    op.drop_table('one_time_logins')
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_badges_user_id'))
        batch_op.drop_index('ix_badges_one_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.drop_table('badges')
