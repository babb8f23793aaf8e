"""The API's one description: each endpoint is declared once with `endpoint(...)`, which
registers the Flask route, checks the query and body against the declared schemas, and
records the operation for the OpenAPI 3.1 document served at /api/v1/openapi.json."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint

from ..extensions import READ_ONLY_ENDPOINTS
from .auth import current_member
from .inputs import read_query, validated_body
from .problems import ApiProblem
from .schemas import COMPONENTS

API_PREFIX = "/api/v1"


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    tag: str
    status: int
    response: dict | None
    body: dict | None
    query: list[dict] = field(default_factory=list)
    body_required: bool = True
    errors: tuple[int, ...] = ()
    public: bool = False
    comanager: bool = False
    # Other success statuses, with what each means (same response body as `status`).
    also: dict[int, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []
PUBLIC_ENDPOINTS: set[str] = set()


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def array_of(name: str) -> dict:
    return {"type": "array", "items": ref(name)}


def query_param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def endpoint(bp: Blueprint, rule: str, method: str, *, summary: str, tag: str,
             description: str = "", status: int = 200, response: dict | None = None,
             body: dict | None = None, query: list[dict] | None = None,
             errors: tuple[int, ...] = (), public: bool = False, comanager: bool = False,
             body_required: bool = True, also: dict[int, str] | None = None,
             read_only: bool = False):
    """Declare an endpoint: the view receives path values, `query` values and `body`
    (`body_required=False`: a call may send none, the view then receives {}; `also`: other
    success statuses the view may answer, with their meaning; `read_only`: it writes
    nothing, see READ_ONLY_ENDPOINTS)."""
    query = query or []

    def decorator(view):
        name = f"{view.__name__}"

        @wraps(view)
        def wrapped(**path_values):
            if comanager and not current_member().is_comanager:
                raise ApiProblem(403)  # before reading the query or body: no hint to members
            kwargs = dict(path_values)
            if query:
                kwargs["query"] = read_query(query)
            if body is not None:
                kwargs["body"] = validated_body(body, COMPONENTS)
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint=name, view_func=wrapped, methods=[method])
        if public:
            PUBLIC_ENDPOINTS.add(f"{bp.name}.{name}")
        if read_only:
            READ_ONLY_ENDPOINTS.add(f"{bp.name}.{name}")
        OPERATIONS.append(Operation(
            rule=rule, method=method.lower(), endpoint=name, summary=summary,
            description=description, tag=tag, status=status, response=response, body=body,
            query=query, errors=errors, public=public, comanager=comanager,
            body_required=body_required, also=also or {}))
        return wrapped

    return decorator


def openapi_path(rule: str) -> str:
    """/bookings/<int:booking_id> -> /api/v1/bookings/{booking_id}"""
    return API_PREFIX + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


ERROR_TEXT = {
    400: "The body is not valid JSON (type ends in malformed-json).",
    401: "No token, an unknown or revoked token, or a deactivated member's token.",
    403: "Not allowed: co-managers only, or another member's data.",
    404: "No such object.",
    409: "Conflict: the time is taken (booking-conflict, with `conflicts` and "
         "`suggestions`), or the object is not in a state allowing this (invalid-state), or "
         "already done (already-allocated: this portion of the expense is already posted).",
    422: "Validation failed: a field is missing or wrong, a time has no offset "
         "(time-without-offset), a quota is exceeded (quota-exceeded), the space is closed "
         "(space-closed), the time is outside its opening hours (outside-opening-hours), "
         "the month is closed in the ledger (month-closed), or the allocation key gives "
         "nobody a part (no-allocation-basis).",
    429: "Too many requests with this token (rate-limited).",
}


def _operation_document(op: Operation) -> dict:
    doc: dict = {
        "operationId": op.endpoint, "summary": op.summary, "tags": [op.tag], "responses": {},
    }
    if op.description:
        doc["description"] = op.description
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
                  for name in re.findall(r"<int:([a-z_]+)>", op.rule)]
    parameters += op.query
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required,
                              "content": {"application/json": {"schema": op.body}}}
    success: dict = {"description": "Success."}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": op.response}}
    doc["responses"][str(op.status)] = success
    for status, meaning in op.also.items():
        doc["responses"][str(status)] = {**success, "description": meaning}
    codes = set(op.errors)
    if not op.public:
        codes |= {401, 429}
        doc["security"] = [{"bearerAuth": []}]
    else:
        doc["security"] = []
    if op.comanager:
        codes.add(403)
        doc["x-required-role"] = "comanager"
    if parameters and any(p["in"] == "path" for p in parameters):
        codes.add(404)
    if op.body is not None:
        codes |= {400, 422}
    if op.query:
        codes.add(422)
    for code in sorted(codes):
        doc["responses"][str(code)] = {"$ref": f"#/components/responses/Problem{code}"}
    return doc


def build_document(server_url: str, version: str = "1.0.0") -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method] = _operation_document(op)
    problem_content = {"application/problem+json": {"schema": ref("Problem")}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mutualise API",
            "version": version,
            "description": (
                "Book and read the cooperative's spaces from other tools. Authenticate with "
                "a personal access token (profile page, or `flask create-token EMAIL`): "
                "`Authorization: Bearer <token>`. Times are RFC 3339 with an offset, in and "
                "out; a time without offset is refused (422). Errors are RFC 9457 problem "
                "documents whose `type` ends in a stable slug."),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A personal access token."}},
            "responses": {f"Problem{code}": {"description": text, "content": problem_content}
                          for code, text in ERROR_TEXT.items()},
        },
    }
