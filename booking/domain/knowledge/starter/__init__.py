"""The starter articles a new toolbox begins with: one Markdown file per article and
language (fr/, nl/, en/), with a short header (key, kind, title, tags). Files sharing a key
are translations of one another."""
