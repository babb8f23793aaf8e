"""The API's own description, public so tools can read it before they have a token."""
from __future__ import annotations

from flask import current_app, jsonify

from .blueprint import bp
from .openapi import build_document, endpoint


@endpoint(bp, "/openapi.json", "GET", summary="This API's OpenAPI 3.1 description",
          tag="meta", public=True, response={"type": "object"})
def openapi():
    return jsonify(build_document(current_app.config["BASE_URL"]))
