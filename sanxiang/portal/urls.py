"""Public portal routes. List keys are those of ``registry.specs.ALL_LISTS`` (agencies, powers, items, …)."""

import re

from django.urls import include, path, register_converter

from sanxiang.cases.processes import PROCESSES
from sanxiang.portal import document_views, ledger_views, views
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.review import views as review_views


class ListKeyConverter:
    """Matches only the keys of the published lists, so a typo is a plain 404."""

    regex = "|".join(re.escape(key) for key in sorted(ALL_LISTS, key=len, reverse=True))

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ProcessKeyConverter:
    """Matches only the keys of the process definitions (``cases.processes.PROCESSES``)."""

    regex = "|".join(re.escape(key) for key in sorted(PROCESSES, key=len, reverse=True))

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ListKeyConverter, "listkey")
register_converter(ProcessKeyConverter, "processkey")

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("flowcharts/", views.flowcharts, name="flowcharts"),
    path("flowcharts/legal-review/", review_views.public_flowchart, name="flowchart-review"),
    path("flowcharts/legal-review.svg", review_views.public_flowchart_svg, name="flowchart-review-svg"),
    path("flowcharts/<processkey:key>/", views.flowchart_detail, name="flowchart"),
    path("flowcharts/<processkey:key>.svg", views.flowchart_svg, name="flowchart-svg"),
    path("verify/certificate/<str:number>/", views.certificate_verify, name="verify-certificate"),
    path("verify/certificate/<str:number>/qr/", views.certificate_qr_page, name="certificate-qr"),
    path(
        "verify/certificate/<str:number>/qr.svg",
        views.certificate_qr_image,
        {"fmt": "svg"},
        name="certificate-qr-svg",
    ),
    path(
        "verify/certificate/<str:number>/qr.png",
        views.certificate_qr_image,
        {"fmt": "png"},
        name="certificate-qr-png",
    ),
    path("verify/document/<str:key>/", document_views.document_verify_page, name="verify-document"),
    path("templates/<int:pk>/download/", views.template_download, name="template-download"),
    path("agencies/<int:pk>/agreement/", views.agency_agreement, name="agency-agreement"),
    path("ledger/", ledger_views.ledger_home, name="ledger"),
    path("", include("sanxiang.portal.publication_urls")),
    path("", include("sanxiang.portal.complaint_urls")),
    path("", include("sanxiang.portal.annual_urls")),
    path("", include("sanxiang.portal.inspection_urls")),
    path("<listkey:list_key>/", views.entry_list, name="list"),
    path("<listkey:list_key>/<int:pk>/", views.entry_detail, name="detail"),
]
