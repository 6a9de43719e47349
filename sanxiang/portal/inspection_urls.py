"""Public routes of 双随机、一公开 on the portal (namespace portal), included by portal.urls before the list catch-all."""

from django.urls import URLPattern, path

from sanxiang.portal import inspection_views as views

urlpatterns: list[URLPattern] = [
    path("inspections/", views.draw_list, name="inspections"),
    path("inspections/plans/<int:pk>/", views.plan_detail, name="inspection-plan"),
    path("inspections/draws/<int:pk>/", views.draw_detail, name="inspection-draw"),
    path("inspections/draws/<int:pk>/draw.json", views.draw_json, name="inspection-draw-json"),
    path("inspections/draws/<int:pk>/draw_verify.py", views.draw_script, name="inspection-draw-script"),
]
