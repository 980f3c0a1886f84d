"""a school year: archived campaigns and programmes, carried-over programmes, questionnaires added
or retired mid-campaign, anonymised participants, one pair per mentor and mentee in a programme

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_programme_previous_id_programme', 'programme', ['previous_id'], ['id'])
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('pair_mentee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mentor_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE pair_mentee SET programme_id = (SELECT programme_id FROM pair WHERE pair.id = pair_mentee.pair_id),"
        " mentor_id = (SELECT mentor_id FROM pair WHERE pair.id = pair_mentee.pair_id)"
    )
    # The same mentor and mentee saved more than once: keep the first pair's row, drop the repeats, then
    # the pairs the repeats leave empty.
    op.execute(
        "DELETE FROM pair_mentee WHERE id NOT IN (SELECT MIN(id) FROM pair_mentee"
        " GROUP BY programme_id, mentor_id, participant_id)"
    )
    op.execute("DELETE FROM pair WHERE id NOT IN (SELECT pair_id FROM pair_mentee)")
    with op.batch_alter_table('pair_mentee', schema=None) as batch_op:
        batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('mentor_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_pair_mentee_programme_id_programme', 'programme', ['programme_id'], ['id'])
        batch_op.create_foreign_key('fk_pair_mentee_mentor_id_participant', 'participant', ['mentor_id'], ['id'])
        batch_op.create_unique_constraint('uq_pair_mentee_programme_id_mentor_id_participant_id', ['programme_id', 'mentor_id', 'participant_id'])


def downgrade():
    with op.batch_alter_table('pair_mentee', schema=None) as batch_op:
        batch_op.drop_constraint('uq_pair_mentee_programme_id_mentor_id_participant_id', type_='unique')
        batch_op.drop_constraint('fk_pair_mentee_mentor_id_participant', type_='foreignkey')
        batch_op.drop_constraint('fk_pair_mentee_programme_id_programme', type_='foreignkey')
        batch_op.drop_column('mentor_id')
        batch_op.drop_column('programme_id')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
        batch_op.drop_column('added_at')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_constraint('fk_programme_previous_id_programme', type_='foreignkey')
        batch_op.drop_column('previous_id')
        batch_op.drop_column('archived_at')
