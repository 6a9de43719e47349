"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json). Each app contributes a router from apis.py."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Sanxiang API",
    version="1",
    description="行政执法三项制度平台接口：公示清单、全过程记录、法制审核。",
    urls_namespace="api",
)
