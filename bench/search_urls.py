"""The bench's urlconf (bench/search.py): the whole site, plus a bare view running one indexed query.

The bare view is the baseline the publication pages are measured against: same server, same settings and
middleware, one query through an index (the newest 20 published rows by ``disclosure_pub_state_date``), written out
as plain text with no template.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

BARE_SQL = (
    "SELECT id, title, party, decided_on FROM disclosure_publication WHERE state = %s "
    "ORDER BY published_on DESC, id DESC LIMIT 20"
)


def bare(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(BARE_SQL, ["published"])
        rows = cursor.fetchall()
    body = "\n".join(f"{pk}\t{title}\t{party}\t{decided}" for pk, title, party, decided in rows)
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare/", bare, name="bench-bare"),
    path("", include("sanxiang.config.urls")),
]
