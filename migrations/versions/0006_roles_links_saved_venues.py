"""staff roles, one-time sign-in links, venues saved from the browser

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # Accounts made before roles existed keep what they could do: today's changes.
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), server_default="staff", nullable=False))

    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_links_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "saved_venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("saved_venues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_venues_body_sha256"), ["body_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_saved_venues_file_sha256"), ["file_sha256"], unique=False)


def downgrade():
    with op.batch_alter_table("saved_venues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_venues_file_sha256"))
        batch_op.drop_index(batch_op.f("ix_saved_venues_body_sha256"))
    op.drop_table("saved_venues")
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_links_staff_id"))
    op.drop_table("sign_in_links")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("role")
