"""a push notice's text in each language it went out in: one JSON column instead of text_en

A sent notice kept its English wording only (text_en), so the staff log showed English to everyone.
It becomes one JSON column, text, {"ko": ..., "en": ...}, as 0007 did for the other texts. Upgrading
keeps what text_en held ({"en": ...}); downgrading writes back the English wording, else any the notice
has, cut to the old column's length.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 11:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_LENGTH = 500

notices = sa.table(
    "push_notices",
    sa.column("id", sa.Integer()),
    sa.column("text", sa.JSON()),
    sa.column("text_en", sa.String()),
)


def _update(conn, field: str, rows: list[dict]) -> None:
    if rows:
        conn.execute(
            notices.update()
            .where(notices.c.id == sa.bindparam("ident"))
            .values({field: sa.bindparam("value")}),
            rows,
        )


def upgrade():
    conn = op.get_bind()
    with op.batch_alter_table("push_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.JSON(), nullable=True))
    rows = [
        {"ident": ident, "value": {"en": text}}
        for ident, text in conn.execute(
            sa.select(notices.c.id, notices.c.text_en).where(notices.c.text_en != "")
        )
    ]
    _update(conn, "text", rows)
    with op.batch_alter_table("push_notices", schema=None) as batch_op:
        batch_op.drop_column("text_en")


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table("push_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_en", sa.String(length=OLD_LENGTH), nullable=True))
    rows = [
        {"ident": ident, "value": (texts.get("en") or next(iter(texts.values()), ""))[:OLD_LENGTH] or None}
        for ident, texts in conn.execute(sa.select(notices.c.id, notices.c.text))
        if texts
    ]
    _update(conn, "text_en", rows)
    with op.batch_alter_table("push_notices", schema=None) as batch_op:
        batch_op.drop_column("text")
