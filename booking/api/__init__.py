"""JSON API v1 at /api/v1: token-authenticated, described by OpenAPI 3.1."""
