"""texts in the event's languages: one JSON column per text instead of a column per language (ko, en)

A venue's and a room's name, a session's title and an announcement's text were stored as name_ko and
name_en (and so on), so an imported German and English congress lost its German wording. Each becomes
one JSON column, {"de": ..., "en": ...}, holding the languages the data gives. Upgrading moves what the
two columns held ({"ko": ..., "en": ...}); downgrading writes each text back in Korean and English,
read by the fallback the app used then (the asked language, else Korean, else English, else any), cut
to the old columns' length.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Each table's text: (table, column, the length of the old per-language columns).
TEXTS = (("venues", "name", 200), ("rooms", "name", 200), ("sessions", "title", 500), ("announcements", "text", 500))
OLD_LANGS = ("ko", "en")


def _table(name: str, field: str, key_type: sa.types.TypeEngine) -> sa.Table:
    return sa.table(
        name,
        sa.column("id", key_type),
        sa.column(field, sa.JSON()),
        *(sa.column(f"{field}_{lang}", sa.String()) for lang in OLD_LANGS),
    )


def _key_type(name: str) -> sa.types.TypeEngine:
    return sa.Integer() if name == "announcements" else sa.String()


def _in(texts: dict, lang: str) -> str:
    """Return texts in lang as the old columns stored it: lang, else Korean, else English, else any."""
    for candidate in (lang, *OLD_LANGS):
        if texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")


def upgrade():
    conn = op.get_bind()
    for name, field, _length in TEXTS:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(field, sa.JSON(), nullable=True))
        table = _table(name, field, _key_type(name))
        old = [table.c[f"{field}_{lang}"] for lang in OLD_LANGS]
        rows = [
            {"ident": ident, "texts": {lang: text for lang, text in zip(OLD_LANGS, texts, strict=True) if text}}
            for ident, *texts in conn.execute(sa.select(table.c.id, *old))
        ]
        if rows:
            conn.execute(
                table.update().where(table.c.id == sa.bindparam("ident")).values({field: sa.bindparam("texts")}),
                rows,
            )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column(field, existing_type=sa.JSON(), nullable=False)
            for lang in OLD_LANGS:
                batch_op.drop_column(f"{field}_{lang}")


def downgrade():
    conn = op.get_bind()
    for name, field, length in TEXTS:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for lang in OLD_LANGS:
                batch_op.add_column(sa.Column(f"{field}_{lang}", sa.String(length=length), nullable=True))
        table = _table(name, field, _key_type(name))
        rows = [
            {"ident": ident, **{lang: _in(texts or {}, lang)[:length] for lang in OLD_LANGS}}
            for ident, texts in conn.execute(sa.select(table.c.id, table.c[field]))
        ]
        if rows:
            conn.execute(
                table.update()
                .where(table.c.id == sa.bindparam("ident"))
                .values({f"{field}_{lang}": sa.bindparam(lang) for lang in OLD_LANGS}),
                rows,
            )
        with op.batch_alter_table(name, schema=None) as batch_op:
            for lang in OLD_LANGS:
                batch_op.alter_column(f"{field}_{lang}", existing_type=sa.String(length=length), nullable=False)
            batch_op.drop_column(field)
