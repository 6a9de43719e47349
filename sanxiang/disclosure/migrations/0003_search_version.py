"""The search index's version (``disclosure.search.index_version``): a random number replaced whenever the index
changes, in the same transaction, so that every process can tell in one primary-key read whether what it remembers
of the index (capped counts, rendered result pages) is still current."""

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("CREATE TABLE disclosure_search_version (id integer PRIMARY KEY, version bigint NOT NULL)")
    schema_editor.execute("INSERT INTO disclosure_search_version (id, version) VALUES (1, 0)")


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS disclosure_search_version")


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0002_search_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
