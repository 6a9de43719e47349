"""The sealed case file's download: the ledger's bundle (BagIt zip, checkable offline; docs/ledger-verify.md)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from sanxiang.cases.selectors import access_case
from sanxiang.core.errors import InvalidTransition
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view


@staff_view
@require_http_methods(["GET"])
def case_file_download(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    """The sealed case file as the ledger's bundle (BagIt zip, checkable offline; docs/ledger-verify.md).

    The export is recorded in the ledger (``case.file_export``); the zip is written to a temporary file in the upload
    directory, streamed and removed."""
    import tempfile
    from pathlib import Path

    from django.conf import settings
    from django.http import FileResponse

    from sanxiang.cases.casefile_export import case_file_export

    case = access_case(user=request.user, case_id=pk)
    directory = Path(settings.SANXIANG_UPLOAD_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="casefile-", suffix=".zip", dir=directory)
    path = Path(name)
    try:
        import os

        os.close(handle)
        try:
            case_file_export(actor=request.user, case=case, out=path)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect("cases:case_detail", pk=case.pk)
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)  # the open stream keeps the data until it is sent
    response = FileResponse(
        stream, as_attachment=True, filename=f"{case.number}-案卷.zip", content_type="application/zip"
    )
    return cast(HttpResponse, response)  # streamed; staff_view passes it through unchanged
