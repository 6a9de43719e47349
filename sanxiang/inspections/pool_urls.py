"""Staff routes for the target pool and the conflict list (namespace ``inspections``, under /staff/inspections/pool/)."""

from django.urls import URLPattern, path

from sanxiang.inspections import pool_views

urlpatterns: list[URLPattern] = [
    path("", pool_views.pool, name="pool"),
    path("new/", pool_views.target_add, name="pool-add"),
    path("import/", pool_views.pool_import, name="pool-import"),
    path("export/", pool_views.pool_export, name="pool-export"),
    path("template/", pool_views.pool_template, name="pool-template"),
    path("conflicts/", pool_views.conflicts, name="conflicts"),
    path("<int:pk>/", pool_views.target, name="pool-target"),
    path("<int:pk>/remove/", pool_views.target_remove, name="pool-remove"),
]
