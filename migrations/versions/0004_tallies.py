"""tallies (aggregate counters, denominators) and campaigns (targets, snapshots)

Revision ID: 0004_tallies
Revises: 0001
Create Date: 2026-11-22 05:54:16.259240

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_tallies'
down_revision = "0007_security"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_stats',
    sa.Column('area_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('residents_total', sa.Integer(), nullable=False),
    sa.Column('residents_14plus', sa.Integer(), nullable=False),
    sa.Column('residents_18plus', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('area_id', name=op.f('pk_area_stats')),
    sqlite_with_rowid=False,  # clustered on the key: a range read is one b-tree walk
    )
    op.create_table('household_reach',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_household_reach')),
    sqlite_with_rowid=False,  # clustered on the key: a range read is one b-tree walk
    )
    op.create_table('tally_day',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('ref_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('helped', sa.Integer(), nullable=False),
    sa.Column('not_home', sa.Integer(), nullable=False),
    sa.Column('declined', sa.Integer(), nullable=False),
    sa.Column('revisit', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'ref_id', 'day', 'service_id', name=op.f('pk_tally_day')),
    sqlite_with_rowid=False,  # clustered on the key: a range read is one b-tree walk
    )
    op.create_table('tally_total',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('ref_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('service_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('helped', sa.Integer(), nullable=False),
    sa.Column('not_home', sa.Integer(), nullable=False),
    sa.Column('declined', sa.Integer(), nullable=False),
    sa.Column('revisit', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'ref_id', 'service_id', name=op.f('pk_tally_total')),
    sqlite_with_rowid=False,  # clustered on the key: a range read is one b-tree walk
    )
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_campaigns_area_id_areas')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_area_id'), ['area_id'], unique=False)

    op.create_table('campaign_services',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_services_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_campaign_services_service_id_services')),
    sa.PrimaryKeyConstraint('campaign_id', 'service_id', name=op.f('pk_campaign_services'))
    )
    op.create_table('campaign_targets',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_targets_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_campaign_targets_service_id_services')),
    sa.ForeignKeyConstraint(['village_id'], ['areas.id'], name=op.f('fk_campaign_targets_village_id_areas')),
    sa.PrimaryKeyConstraint('campaign_id', 'village_id', 'service_id', name=op.f('pk_campaign_targets'))
    )


def downgrade():
    op.drop_table('campaign_targets')
    op.drop_table('campaign_services')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_area_id'))

    op.drop_table('campaigns')
    op.drop_table('tally_total')
    op.drop_table('tally_day')
    op.drop_table('household_reach')
    op.drop_table('area_stats')
