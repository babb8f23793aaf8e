"""Every string a person reads exists in French, Dutch and English."""
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _source_messages() -> set[str]:
    """What `make extract-messages` finds, read with its own babel.cfg (the Jinja extensions the
    templates use: without `do`, a template's strings were silently left out)."""
    with open(ROOT / "babel.cfg") as config:
        methods, options = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), methods, keywords=KEYWORDS, options_map=options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_template_is_read_by_the_extractor():
    """A template the extractor cannot parse fails loudly, and the strings of templates that
    use `{% do %}` are found (the survey's dates, the form error summary)."""
    found = _source_messages()
    assert "Some fields need your attention: see the messages below." in found
    assert "From %(start)s to %(end)s" in found


@pytest.mark.parametrize("locale", ["fr", "nl", "en"])
def test_every_message_is_translated(locale):
    with open(ROOT / "booking/translations" / locale / "LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    missing = sorted(
        m for m in _source_messages()
        if m not in catalog or not catalog[m].string or catalog[m].fuzzy
        or (catalog[m].pluralizable and not all(catalog[m].string))
    )
    assert missing == [], f"{len(missing)} messages lack a {locale} translation: {missing[:10]}"


@pytest.mark.parametrize("locale", ["fr", "nl", "en"])
def test_every_catalog_compiles_with_matching_placeholders(locale):
    """What `make` runs (pybabel compile) refuses a catalog whose placeholders do not match."""
    with open(ROOT / "booking/translations" / locale / "LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []
