"""Reading what API callers send: JSON bodies checked against the documented schemas,
RFC 3339 instants (an offset is required), ISO 8601 durations, and query parameters."""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ..timezones import current_tz
from .problems import ApiProblem

MAX_ID = 2**31 - 1
_DURATION = re.compile(r"^P(?:(\d{1,3})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?)?$")


# --- times -----------------------------------------------------------------------------------

def parse_instant(value, field: str) -> datetime:
    """An RFC 3339 time with an offset, as a UTC instant; 422 saying what is wrong otherwise."""
    if not isinstance(value, str):
        raise ApiProblem(422, _l("The field %(field)s must be a time such as "
                                 "2026-12-01T18:00:00+01:00.", field=field))
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise ApiProblem(422, _l("The field %(field)s must be a time such as "
                                 "2026-12-01T18:00:00+01:00.", field=field)) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ApiProblem(422, _l("The time in %(field)s has no UTC offset: add one, such as "
                                 "2026-12-01T18:00:00+01:00 or 2026-12-01T17:00:00Z.",
                                 field=field), "time-without-offset")
    if not 1970 <= moment.year <= 2200:
        raise ApiProblem(422, _l("The time in %(field)s is out of range: use a year between "
                                 "1970 and 2200.", field=field))
    return moment.astimezone(UTC)


def format_instant(moment: datetime | None, zone: ZoneInfo | None = None) -> str | None:
    """RFC 3339 with the offset of the cooperative's timezone: 2026-12-01T18:00:00+01:00.
    `zone`: that timezone, when the caller formats many instants."""
    if moment is None:
        return None
    return moment.astimezone(zone or ZoneInfo(current_tz())).isoformat(timespec="seconds")


def interval(start: datetime, end: datetime) -> dict:
    return {"start": format_instant(start), "end": format_instant(end)}


def parse_duration(value: str, field: str = "duration") -> int:
    """ISO 8601 durations in days, hours and minutes (PT2H, PT1H30M, P1D) as minutes."""
    match = _DURATION.match(value or "")
    minutes = 0
    if match and any(match.groups()):
        days, hours, mins = (int(g or 0) for g in match.groups())
        minutes = days * 1440 + hours * 60 + mins
    if minutes <= 0:
        raise ApiProblem(422, _l("The %(field)s must be an ISO 8601 duration such as PT2H or "
                                 "PT1H30M.", field=field))
    return minutes


def parse_date(value, field: str) -> date:
    """A calendar day written YYYY-MM-DD (a local date, no time); 422 otherwise."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not 1970 <= day.year <= 2200:
        raise ApiProblem(422, _l("The field %(field)s must be a date such as 2027-06-30.",
                                 field=field))
    return day


def parse_month(value: str, field: str = "period") -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise ApiProblem(422, _l("The %(field)s must be a month such as 2026-11.",
                                 field=field)) from None


# --- JSON bodies -----------------------------------------------------------------------------

def _reject_constant(name):
    raise ValueError(name)


def read_json() -> object:
    """The request body as JSON ({} when empty); 400 when it is not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiProblem(400, _l("The request body is not valid JSON. Check quotes, commas "
                                 "and brackets."), "malformed-json") from None
    _check_strings(data)
    return data


def _check_strings(value, depth: int = 0) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ApiProblem(422, _l("Text cannot contain the NUL character."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiProblem(422, _l("Text must be valid Unicode.")) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, depth + 1)
            _check_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, depth + 1)


def _field_name(error) -> str:
    path = "/".join(str(p) for p in error.absolute_path)
    return path or "body"


def describe_validation_error(error):
    """A person's words for what jsonschema found wrong (the field is named as sent)."""
    field = _field_name(error)
    kind, limit = error.validator, error.validator_value
    if kind == "required":
        missing = next((k for k in limit if isinstance(error.instance, dict)
                        and k not in error.instance), limit[0])
        field = f"{field}/{missing}" if field != "body" else missing
        return field, _l("The field %(field)s is missing.", field=field)
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        field = ", ".join(extra) or field
        return field, _l("Unknown field %(field)s: check its spelling against the API "
                         "description.", field=field)
    if kind == "type":
        expected = limit if isinstance(limit, str) else " | ".join(limit)
        return field, _l("The field %(field)s must be of type %(type)s.", field=field,
                         type=expected)
    if kind in ("enum", "const"):
        values = ", ".join(json.dumps(v) for v in (limit if kind == "enum" else [limit]))
        return field, _l("The field %(field)s must be one of: %(values)s.", field=field,
                         values=values)
    if kind in ("minimum", "exclusiveMinimum"):
        return field, _l("The field %(field)s must be at least %(limit)s.", field=field,
                         limit=limit)
    if kind in ("maximum", "exclusiveMaximum"):
        return field, _l("The field %(field)s must be at most %(limit)s.", field=field,
                         limit=limit)
    if kind == "minLength":
        return field, _l("The field %(field)s cannot be empty.", field=field)
    if kind == "maxLength":
        return field, _l("The field %(field)s has at most %(limit)s characters.", field=field,
                         limit=limit)
    if kind in ("minItems", "maxItems"):
        return field, _l("The list %(field)s has the wrong number of items.", field=field)
    if kind == "pattern":
        return field, _l("The field %(field)s is not in the expected format.", field=field)
    return field, _l("The field %(field)s is not valid: see the API description.", field=field)


# Validators built once per (schema, components) pair: building one costs more than using it.
_VALIDATORS: dict[tuple[int, int], tuple[dict, dict, Draft202012Validator]] = {}


def _validator(schema: dict, components: dict) -> Draft202012Validator:
    key = (id(schema), id(components))
    known = _VALIDATORS.get(key)
    if known is None or known[0] is not schema or known[1] is not components:
        known = (schema, components,
                 Draft202012Validator({**schema, "components": {"schemas": components}}))
        _VALIDATORS[key] = known
    return known[2]


def validated_body(schema: dict, components: dict) -> dict:
    """The JSON body, checked against its documented schema: 422 naming the field otherwise."""
    data = read_json()
    validator = _validator(schema, components)
    errors = list(validator.iter_errors(data))
    if errors:
        first = best_match(errors)
        _field, detail = describe_validation_error(first)
        raise ApiProblem(422, detail, "validation-error", errors=[
            {"field": f, "detail": str(d)} for f, d in
            (describe_validation_error(e) for e in errors[:10])])
    return data


# --- query parameters ------------------------------------------------------------------------

def read_query(params: list[dict]) -> dict:
    """Query parameters as declared in the API description, converted; 422 when not right."""
    values = {}
    for param in params:
        name, schema = param["name"], param["schema"]
        raw = request.args.get(name)
        if raw is None or raw == "":
            values[name] = None
            continue
        if "\x00" in raw:
            raise ApiProblem(422, _l("Text cannot contain the NUL character."))
        if "enum" in schema and raw not in (str(value) for value in schema["enum"]):
            raise ApiProblem(422, _l("The parameter %(field)s must be one of: %(values)s.",
                                     field=name, values=", ".join(map(str, schema["enum"]))),
                             "validation-error", field=name)
        kind = schema.get("type")
        if kind == "integer":
            minimum = schema.get("minimum", 1)
            maximum = schema.get("maximum", MAX_ID)
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 10
                    and minimum <= int(raw) <= maximum):
                if minimum >= 1 and maximum == MAX_ID:
                    raise ApiProblem(422, _l("The parameter %(field)s must be a positive whole "
                                             "number.", field=name))
                raise ApiProblem(422, _l("The parameter %(field)s must be a whole number from "
                                         "%(minimum)d to %(maximum)d.", field=name,
                                         minimum=minimum, maximum=maximum))
            values[name] = int(raw)
        elif kind == "boolean":
            if raw not in ("true", "false"):
                raise ApiProblem(422, _l("The parameter %(field)s must be true or false.",
                                         field=name))
            values[name] = raw == "true"
        elif schema.get("format") == "date-time":
            values[name] = parse_instant(raw, name)
        elif schema.get("format") == "duration":
            values[name] = parse_duration(raw, name)
        else:
            values[name] = raw
    return values
