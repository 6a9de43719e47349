"""The oversight app's routers under /api/v1/ (public: open data without login; staff: signed-in staff)."""

from ninja import Router

public_router = Router(tags=["oversight"])
staff_router = Router(tags=["oversight"])
