"""Alembic environment, configured from code (``assistant.store.migrate.alembic_config``), no alembic.ini.

The caller passes an open connection, already inside a transaction, in ``config.attributes["connection"]``;
the migrations then run in that transaction and the caller commits. Without one (a developer writing a
new revision), an engine is made from the ``sqlalchemy.url`` option::

    from alembic import command
    from assistant.store.migrate import alembic_config
    command.revision(alembic_config(url="sqlite:///data/assistant.db"), "add x", autogenerate=True)
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from assistant.store.search import is_search_object
from assistant.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        include_name=lambda name, kind, _parent: not is_search_object(name),  # made by hand, not by models
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif (given := config.attributes.get("connection")) is not None:
    run(given)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=NullPool)
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()
