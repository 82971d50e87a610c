"""exercise members (co-facilitators and observers), session revocation on sign-out

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercise_members",
        sa.Column("exercise_id", sa.String(length=32), nullable=False),
        sa.Column("facilitator", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercises.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["facilitator"], ["facilitators.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("exercise_id", "facilitator"),
    )
    with op.batch_alter_table("facilitators") as batch:
        batch.add_column(sa.Column("sessions_valid_after", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("facilitators") as batch:
        batch.drop_column("sessions_valid_after")
    op.drop_table("exercise_members")
