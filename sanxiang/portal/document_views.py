"""文书核验: the public page that a QR code on an issued document (paper or electronic) leads to.

Shows the document's number, agency, template name, issue date, the .docx's SHA-256 and SM3, its ledger leaf and the
inclusion proof against the latest signed checkpoint; never the document's content or any party's data.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sanxiang.cases.verification import document_verify
from sanxiang.core.errors import NotFound


@require_GET
def document_verify_page(request: HttpRequest, key: str) -> HttpResponse:
    try:
        check = document_verify(key)
    except NotFound:
        response = render(request, "portal/document_not_found.html", {"key": key, "nav": "ledger"}, status=404)
    else:
        response = render(
            request, "portal/document_verify.html", {"check": check, "doc": check.document, "nav": "ledger"}
        )
    # The result depends on the latest checkpoint and the current records: never serve a stale copy.
    response.headers["Cache-Control"] = "no-store"
    return response
