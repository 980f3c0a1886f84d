"""assignments limited to forms of mentoring; the campaign's support contact

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forms', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_contact', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('support_contact')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('forms')
