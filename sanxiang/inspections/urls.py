"""Staff pages of 双随机抽查, under /staff/inspections/ (namespace ``inspections``): the plans and their draws
(``plan_urls``) and the target pool with its conflict list (``pool_urls``)."""

from django.urls import include, path

app_name = "inspections"
urlpatterns = [
    path("", include("sanxiang.inspections.plan_urls")),
    path("pool/", include("sanxiang.inspections.pool_urls")),
]
