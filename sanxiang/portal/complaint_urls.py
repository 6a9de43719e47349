"""Public complaint routes of the portal (namespace portal), included by portal.urls before the list catch-all."""

from django.urls import path

from sanxiang.portal import complaint_views

urlpatterns = [
    path("complaints/new/", complaint_views.complaint_new, name="complaint-new"),
    path("complaints/receipt/", complaint_views.complaint_receipt, name="complaint-receipt"),
    path("complaints/track/", complaint_views.complaint_track, name="complaint-track"),
]
