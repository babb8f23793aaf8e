"""The OpenAPI 3.1 description is valid and describes every route under /api/v1."""
from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_api_route_is_described_with_its_methods(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (method, path)


def test_every_error_status_is_a_problem_document(client):
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["$ref"].startswith("#/components/responses/Problem"), (
                        method, path, status)
