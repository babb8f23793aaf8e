"""Set translations in a catalog.

    python booking/translations/set_translation.py fr "msgid" "msgstr" [...]
    python booking/translations/set_translation.py fr --plural "msgid" "form 1" "form 2" [...]

`--plural` takes the singular msgid of an ngettext message and one form per plural form of the
language (two in French and Dutch). For developers and reviewers adding strings by hand after
`make extract-messages`."""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

root = Path("booking/translations")
locale = sys.argv[1]
po = root / locale / "LC_MESSAGES" / "messages.po"
with po.open("rb") as f:
    catalog = read_po(f, locale=locale)
args = sys.argv[2:]
while args:
    if args[0] == "--plural":
        count = catalog.num_plurals
        mid, forms, args = args[1], tuple(args[2:2 + count]), args[2 + count:]
        if mid not in catalog or not catalog[mid].pluralizable or len(forms) != catalog.num_plurals:
            sys.exit(f"{mid!r}: not an ngettext message of the catalog, or not "
                     f"{catalog.num_plurals} forms (run make extract-messages first)")
        catalog[mid].string = forms
    else:
        mid, mstr, args = args[0], args[1], args[2:]
        if mid in catalog and catalog[mid].pluralizable:
            sys.exit(f"{mid!r} has plural forms: use --plural")
        if mid not in catalog:
            catalog.add(mid, mstr)
        else:
            catalog[mid].string = mstr
    catalog[mid].flags.discard("fuzzy")
with po.open("wb") as f:
    write_po(f, catalog, width=0, no_location=True, sort_output=True)
