"""The JSON API: every /api/* route, its pydantic models and the OpenAPI document made from them."""
