"""The search index of publications (``disclosure.search``): tables outside the ORM, one design per database.

Both: ``disclosure_listing``, one compact row per listed publication keyed by its sort key (newest first = primary key
order) with the filter columns (no foreign key: Django's flush empties the tables it knows without CASCADE). SQLite: the FTS5 table ``disclosure_search`` (rowid = sort key) of our own tokens.
PostgreSQL: a ``tsvector`` column on the listing with a GIN index. Existing publications are indexed here.
"""

from typing import Any

from django.db import migrations

_COMMON = """
CREATE TABLE disclosure_listing (
    sort_key {key} PRIMARY KEY,
    publication_id bigint NOT NULL UNIQUE,
    agency_id bigint NOT NULL,
    decision_kind varchar(16) NOT NULL,
    decided_on date NOT NULL,
    sanction_bits integer NOT NULL,
    withdrawn boolean NOT NULL{extra}
);
CREATE INDEX disclosure_listing_agency ON disclosure_listing (agency_id, sort_key);
CREATE INDEX disclosure_listing_kind ON disclosure_listing (decision_kind, sort_key);
CREATE INDEX disclosure_listing_decided ON disclosure_listing (decided_on, sort_key)
"""

SQLITE = [
    _COMMON.format(key="INTEGER", extra=""),
    "CREATE VIRTUAL TABLE disclosure_search USING fts5("
    "title, party, number, body, tokenize = 'unicode61 remove_diacritics 0')",
]
POSTGRESQL = [
    _COMMON.format(key="bigint", extra=",\n    tokens tsvector NOT NULL"),
    "CREATE INDEX disclosure_listing_tokens ON disclosure_listing USING gin (tokens)",
]
DROP = {
    "sqlite": ["DROP TABLE IF EXISTS disclosure_search", "DROP TABLE IF EXISTS disclosure_listing"],
    "postgresql": ["DROP TABLE IF EXISTS disclosure_listing"],
}


def _statements(sql: list[str]) -> list[str]:
    return [part.strip() for block in sql for part in block.split(";") if part.strip()]


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"disclosure search: no index design for {vendor}")
    for statement in _statements(SQLITE if vendor == "sqlite" else POSTGRESQL):
        schema_editor.execute(statement)
    from sanxiang.disclosure.search import reindex_all

    # The historical model: this migration must keep working when later ones change the publication.
    reindex_all(using=schema_editor.connection.alias, model=apps.get_model("disclosure", "Publication"))


def drop(apps: Any, schema_editor: Any) -> None:
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_publications")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
