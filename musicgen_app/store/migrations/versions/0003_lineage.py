"""lineage: tracks.parent_id, operation and edit (tracks made from another: variations and edits)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("operation", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("edit", sa.JSON(), nullable=True))
        batch_op.create_index("ix_tracks_parent_id", ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_index("ix_tracks_parent_id")
        batch_op.drop_column("edit")
        batch_op.drop_column("operation")
        batch_op.drop_column("parent_id")
