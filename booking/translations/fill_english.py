"""Fill the English catalog from the source strings, which are written in English.

Run by `make extract-messages` after `pybabel update`, so English never lags behind.
"""
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"

with PO.open("rb") as f:
    catalog = read_po(f, locale="en")
for message in catalog:
    if message.pluralizable and not all(message.string):
        message.string = tuple(message.id)
    elif message.id and not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
with PO.open("wb") as f:
    write_po(f, catalog, width=100, no_location=True, sort_output=True)
