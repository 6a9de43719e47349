"""The least and greatest publication delay (published_on − decided_on, in days) of the listed publications, kept on
the search index's version row (``disclosure.search.sort_key_range``): a decided-on filter then becomes a range of
sort keys, so a search with a date range walks only the rows published within it."""

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("ALTER TABLE disclosure_search_version ADD COLUMN min_delay integer")
    schema_editor.execute("ALTER TABLE disclosure_search_version ADD COLUMN max_delay integer")
    from sanxiang.disclosure.search import refresh_delays

    refresh_delays(using=schema_editor.connection.alias)


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("ALTER TABLE disclosure_search_version DROP COLUMN max_delay")
    schema_editor.execute("ALTER TABLE disclosure_search_version DROP COLUMN min_delay")


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0004_digit_run_tokens")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
