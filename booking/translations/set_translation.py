"""Set translations in a catalog.

    python booking/translations/set_translation.py fr "msgid" "msgstr" [...]


For developers and reviewers adding strings by hand after `make extract-messages`."""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

root = Path("booking/translations")
locale = sys.argv[1]
po = root / locale / "LC_MESSAGES" / "messages.po"
with po.open("rb") as f:
    catalog = read_po(f, locale=locale)
args = sys.argv[2:]
for mid, mstr in zip(args[::2], args[1::2], strict=True):
    if mid not in catalog:
        catalog.add(mid, mstr)
    else:
        catalog[mid].string = mstr
        catalog[mid].flags.discard("fuzzy")
with po.open("wb") as f:
    write_po(f, catalog, width=0, no_location=True, sort_output=True)
