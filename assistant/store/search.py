"""Full-text search over the turns' customer text and answers, in the database's own engine.

SQLite: an FTS5 table (``turns_fts``, Porter stemming) that reads its text from ``turns`` and is kept in
step by triggers. PostgreSQL: a GIN index on the English ``tsvector`` of the same text. Either way the
search words reach the database only as a bound parameter.

A migration that rebuilds ``turns`` on SQLite (Alembic's batch mode) drops the triggers with the old
table: call ``drop_full_text_search`` before and ``create_full_text_search`` after it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, ColumnElement, Select, bindparam, func, literal_column, select, text

from assistant.store.tables import TurnRow

FULL_TEXT_TABLE = "turns_fts"
POSTGRES_INDEX = "ix_turns_search"
_WORD = re.compile(r"\w+", re.UNICODE)

_SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FULL_TEXT_TABLE} USING fts5(user_text, answer, content='turns', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN "
    f"INSERT INTO {FULL_TEXT_TABLE}(rowid, user_text, answer) VALUES (new.id, new.user_text, new.answer); END",
    f"CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN "
    f"INSERT INTO {FULL_TEXT_TABLE}({FULL_TEXT_TABLE}, rowid, user_text, answer) "
    "VALUES ('delete', old.id, old.user_text, old.answer); END",
    f"CREATE TRIGGER turns_fts_update AFTER UPDATE OF user_text, answer ON turns BEGIN "
    f"INSERT INTO {FULL_TEXT_TABLE}({FULL_TEXT_TABLE}, rowid, user_text, answer) "
    "VALUES ('delete', old.id, old.user_text, old.answer); "
    f"INSERT INTO {FULL_TEXT_TABLE}(rowid, user_text, answer) VALUES (new.id, new.user_text, new.answer); END",
    f"INSERT INTO {FULL_TEXT_TABLE}({FULL_TEXT_TABLE}) VALUES ('rebuild')",  # index the turns already there
]
_POSTGRES_DOCUMENT = "to_tsvector('english', coalesce(turns.user_text, '') || ' ' || coalesce(turns.answer, ''))"


def is_search_object(name: str | None) -> bool:
    """Whether a table or index belongs to full-text search (kept out of schema comparisons)."""
    return bool(name) and (name.startswith(FULL_TEXT_TABLE) or name == POSTGRES_INDEX)


def create_full_text_search(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_CREATE:
            connection.execute(text(statement))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"CREATE INDEX {POSTGRES_INDEX} ON turns USING gin ({_POSTGRES_DOCUMENT.replace('turns.', '')})"))


def drop_full_text_search(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for trigger in ("turns_fts_insert", "turns_fts_delete", "turns_fts_update"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {FULL_TEXT_TABLE}"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}"))


def search_words(query: str) -> list[str]:
    """The words of a search box's text; punctuation and operators are dropped."""
    return _WORD.findall(query)


def sqlite_matching_ids(query: str) -> Select[Any]:
    """SQLite: ``SELECT rowid FROM turns_fts WHERE turns_fts MATCH :words``, the ids of the turns whose text
    has every word of ``query``. Every word is quoted, so FTS5 reads it as a plain term, never as its
    query syntax."""
    phrase = " ".join('"' + word.replace('"', '""') + '"' for word in search_words(query))
    return select(literal_column(f"{FULL_TEXT_TABLE}.rowid")).select_from(text(FULL_TEXT_TABLE)).where(
        text(f"{FULL_TEXT_TABLE} MATCH :search_words").bindparams(bindparam("search_words", phrase))
    )


NUMBER_ALTERNATIVES = 8  # numbers of a search that also look for their signed form (bounds the SQL's depth)


def _postgres_query(words: list[str]) -> ColumnElement[Any]:
    """Every word, stemmed (``plainto_tsquery``). A number may also be the signed number that PostgreSQL's
    parser reads after a hyphen: "NW-20481736" is stored as ``nw`` and ``-20481736``, so "20481736" (and
    "NW-20481736", which ``search_words`` splits) also looks for that (the first NUMBER_ALTERNATIVES numbers)."""
    numbers = [word for word in words if word.isascii() and word.isdigit()][:NUMBER_ALTERNATIVES]
    query: ColumnElement[Any] = func.plainto_tsquery("english", " ".join(word for word in words if word not in numbers))
    for number in numbers:
        either = func.plainto_tsquery("english", number).op("||")(func.plainto_tsquery("simple", "-" + number))
        query = query.op("&&")(either)
    return query


def turns_matching(dialect: str, query: str) -> ColumnElement[bool] | None:
    """A condition on ``turns`` true for turns whose text has every word of ``query`` (stemmed);
    None when the query has no words."""
    words = search_words(query)
    if not words:
        return None
    if dialect == "sqlite":
        return TurnRow.id.in_(sqlite_matching_ids(query))
    if dialect == "postgresql":
        return literal_column(_POSTGRES_DOCUMENT).op("@@")(_postgres_query(words))
    pattern = "%" + " ".join(words) + "%"  # any other database: a plain (unindexed) substring match
    return TurnRow.user_text.ilike(pattern) | TurnRow.answer.ilike(pattern)
