"""Bank-statement import speed: a CAMT.053 file of 2,000 lines for 300 members (a third with
their structured communication, a third from an IBAN seen before, a third unknown), imported
once, then again (every line a duplicate). Prints the time and SQL statements of each.

    .venv/bin/python -P -c "import sys, runpy; sys.path.append('bench');
        runpy.run_path('bench/bank_import.py', run_name='__main__')"
    (BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench for PostgreSQL; -P keeps
    bench/http.py from hiding the standard library's http module.)
"""
from __future__ import annotations

import os
import time as clock

from dataset import db, migrated_app, print_table
from sqlalchemy import event

from booking.domain import accounts, bank

LINES = int(os.environ.get("BENCH_LINES", "2000"))
MEMBERS = 300


def _entry(i: int, amount: str, name: str, iban: str, communication: str) -> str:
    rmt = f"<RmtInf><Ustrd>{communication}</Ustrd></RmtInf>" if communication else ""
    return (f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<BookgDt><Dt>2027-02-{1 + i % 28:02d}</Dt></BookgDt>"
            f"<AcctSvcrRef>B{i:06d}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{name}"
            f"</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>{rmt}"
            "</TxDtls></NtryDtls></Ntry>")


def statement(members, communications) -> bytes:
    entries = []
    for i in range(LINES):
        member = members[i % MEMBERS]
        kind = (i // MEMBERS) % 3  # each member: communication, then IBAN, then unknown
        # The IBAN third pays from the account its communication line paid from earlier in
        # the file; the unknown third from an account never seen, without a communication.
        iban = f"BE{i % MEMBERS:014d}" if kind < 2 else f"BE99{i:012d}"
        entries.append(_entry(i, f"{10 + i % 90}.{i % 100:02d}", member.name.upper(), iban,
                              bank.formatted(communications[member.id]) if kind == 0 else
                              "" if kind == 1 else "cotisation"))
    return ('<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:'
            'tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>BENCH</Id><Acct><Id><IBAN>'
            'BE68539007547034</IBAN></Id></Acct>' + "".join(entries)
            + "</Stmt></BkToCstmrStmt></Document>").encode()


def main() -> None:
    app, _url = migrated_app()
    with app.app_context():
        actor = accounts.create_member(db.session, email="co@example.org", name="Co",
                                       role="comanager", hash_method="pbkdf2:sha256:1000")
        members = [accounts.create_member(db.session, email=f"m{n}@example.org",
                                          name=f"Member {n}", hash_method="pbkdf2:sha256:1000")
                   for n in range(MEMBERS)]
        communications = {m.id: bank.communication_for(db.session, member=m).digits
                          for m in members}
        db.session.commit()
        content = statement(members, communications)
        count = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: count.append(1))
        rows = []
        for label in (f"import {LINES:,} lines", "import again (duplicates)"):
            count.clear()
            started = clock.perf_counter()
            fmt, statements = bank.read_statement_file(db.session, content, "camt053")
            result = bank.import_statements(db.session, statements, fmt=fmt,
                                            file_name="bench.xml", actor=actor)
            db.session.commit()
            elapsed = (clock.perf_counter() - started) * 1000
            rows.append((f"{label}: {result.matched} matched, {result.queued} queued, "
                         f"{result.duplicates} duplicates", 1, elapsed, elapsed, len(count)))
        print_table(rows)


if __name__ == "__main__":
    main()
