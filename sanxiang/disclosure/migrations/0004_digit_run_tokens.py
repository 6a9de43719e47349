"""Reindex the publications with the digit runs' suffix tokens (``disclosure.search.run_tokens``): a decision number
such as 〔2019〕123号 is then found through one selective token instead of a phrase of digit pairs that nearly every
decision holds. The tables do not change; existing rows get the new tokens."""

from typing import Any

from django.db import migrations


def reindex(apps: Any, schema_editor: Any) -> None:
    from sanxiang.disclosure.search import reindex_all

    # The historical model: this migration must keep working when later ones change the publication.
    reindex_all(using=schema_editor.connection.alias, model=apps.get_model("disclosure", "Publication"))


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0003_search_version")]

    # Backwards: nothing to undo (the older code reads an index with extra tokens correctly).
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=False)]
