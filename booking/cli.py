"""Commands for admins (and for acceptance tests): keep these names."""
from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from .domain import accounts
from .domain.errors import DomainError
from .extensions import db
from .models import ROLES, Member, Organisation, Plan

DEMO_PASSWORD = "mutualise-demo"
DEMO_PLANS = [
    ("Musicien·ne", "Répétitions en studio, seul·e ou en groupe.", 2500, 1),
    ("Compagnie", "Pour une compagnie ou un groupe qui construit et répète.", 9000, 4),
    ("Technicien·ne", "Accès aux ateliers et au matériel partagé.", 3000, 1),
]
DEMO_ORGANISATIONS = ["Compagnie du Hangar", "Fanfare Brass'ele"]
DEMO_MEMBERS = [
    ("admin@example.org", "Alex Admin", "admin", None, None),
    ("comanager@example.org", "Camille Cogérante", "comanager", "Compagnie", "Compagnie du Hangar"),
    ("lea@example.org", "Léa Musicienne", "member", "Musicien·ne", None),
    ("jan@example.org", "Jan Technicus", "member", "Technicien·ne", None),
    ("sofia@example.org", "Sofia Décoratrice", "member", "Compagnie", "Compagnie du Hangar"),
    ("youssef@example.org", "Youssef Batteur", "member", "Musicien·ne", "Fanfare Brass'ele"),
]


def _create(email: str, name: str, role: str, password: str) -> None:
    try:
        member = accounts.create_member(db.session, email=email, name=name, role=role,
                                        password=password,
                                        hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    accounts.record_audit(db.session, None, "member.create.cli", "member", member.id, role)
    db.session.commit()
    click.echo(f"Created {role} {member.email} (id {member.id}).")


def load_demo_data() -> bool:
    """Plans, organisations and demo accounts; does nothing for what already exists.

    Returns True when anything was added.
    """
    added = False
    plans = {p.name: p for p in db.session.execute(select(Plan)).scalars()}
    for name, description, fee, shares in DEMO_PLANS:
        if name not in plans:
            plans[name] = Plan(name=name, description=description, monthly_fee_cents=fee,
                               shares=shares)
            db.session.add(plans[name])
            added = True
    organisations = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    for name in DEMO_ORGANISATIONS:
        if name not in organisations:
            organisations[name] = Organisation(name=name)
            db.session.add(organisations[name])
            added = True
    db.session.flush()
    for email, name, role, plan, organisation in DEMO_MEMBERS:
        if accounts.find_member_by_email(db.session, email) is None:
            accounts.create_member(
                db.session, email=email, name=name, role=role, password=DEMO_PASSWORD,
                plan_id=plans[plan].id if plan else None,
                organisation_id=organisations[organisation].id if organisation else None,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"])
            added = True
    from .demo import load_demo_activity, load_demo_survey, load_demo_toolbox

    added = load_demo_activity() or added
    added = load_demo_survey() or added
    added = load_demo_toolbox() or added
    db.session.commit()
    return added


def print_demo_logins() -> None:
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, name, role, _plan, _org in DEMO_MEMBERS:
        click.echo(f"  {role:<10} {email:<24} {name}")


def _backup_commands(app: Flask) -> None:
    from pathlib import Path

    from . import backups

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup(path: Path):
        """Write one archive: the database, uploaded files and a manifest (while the app runs)."""
        try:
            manifest = backups.create_backup(db.engine, Path(current_app.instance_path), path)
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backup written to {path}: {manifest.dialect} database at revision "
                   f"{manifest.schema_revision}, {sum(manifest.tables.values())} rows, "
                   f"{len(manifest.checksums) - 1} uploaded files.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore(path: Path):
        """Restore an archive into an empty database and empty upload folders."""
        try:
            manifest = backups.restore_backup(db.engine, Path(current_app.instance_path), path)
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Restored {sum(manifest.tables.values())} rows and "
                   f"{len(manifest.checksums) - 1} uploaded files from {path}.")
        if manifest.schema_revision != backups.head_revision():
            click.echo("The archive comes from an older release: run `flask db upgrade` now.")

    @app.cli.command("export-json")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def export_json(path: Path):
        """Write the whole cooperative as JSON (to move it to another database)."""
        import json

        with db.engine.connect() as connection:
            document = backups.export_json(connection)
        path.write_text(json.dumps(document, ensure_ascii=False))
        click.echo(f"Exported {sum(len(rows) for rows in document['tables'].values())} rows "
                   f"to {path}.")

    @app.cli.command("import-json")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_json(path: Path):
        """Load an export into a new database, migrated with `flask db upgrade`."""
        import json

        try:
            with db.engine.begin() as connection:
                counts = backups.import_json(connection, json.loads(path.read_text()))
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Imported {sum(counts.values())} rows from {path}. Uploaded files are not "
                   "in the JSON: copy instance/attachments and instance/toolbox across.")


def init_app(app: Flask) -> None:
    _backup_commands(app)
    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--name", default="Admin")
    def create_admin(email: str, password: str, name: str):
        """Create an admin account."""
        _create(email, name, "admin", password)

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
    @click.option("--password", required=True)
    def create_user(email: str, name: str, role: str, password: str):
        """Create an account with the given role."""
        _create(email, name, role, password)

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", default="CLI", show_default=True, help="What the token is for.")
    def create_token(email: str, name: str):
        """Create a personal access token for the API and print it (shown only once)."""
        from . import clock
        from .domain import api_tokens

        member = accounts.find_member_by_email(db.session, email)
        if member is None:
            raise click.ClickException(f"No member with the email {email}.")
        try:
            _token, secret = api_tokens.create_token(db.session, member, name, clock.now())
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(secret)

    @app.cli.command("toolbox-seed")
    @click.option("--author", default=None, help="Email of the member shown as author.")
    def toolbox_seed(author: str | None):
        """Load the starter toolbox articles (fr, nl, en); those already there are kept."""
        from .domain.knowledge.starter_content import load_starter_articles

        member = accounts.find_member_by_email(db.session, author) if author else None
        if author and member is None:
            raise click.ClickException(f"No member with the email {author}.")
        added = load_starter_articles(db.session, member)
        db.session.commit()
        click.echo(f"Toolbox: {added} starter articles added.")

    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no member yet.")
    def demo_data(if_empty: bool):
        """Load demo plans, members and activity (safe to run twice)."""
        if if_empty and db.session.execute(select(func.count(Member.id))).scalar_one():
            click.echo("The database already has members: demo data not loaded.")
            if accounts.find_member_by_email(db.session, DEMO_MEMBERS[0][0]) is not None:
                print_demo_logins()
            return
        added = load_demo_data()
        click.echo("Demo data loaded." if added else "Demo data already present: nothing added.")
        print_demo_logins()

    @app.cli.command("mark-no-shows")
    def mark_no_shows():
        """Mark bookings not checked in as no-shows and pass expired waiting-list offers on
        (the worker does it every minute; this runs it once, e.g. from cron)."""
        from . import clock
        from .jobs import run_desk_jobs

        marked, expired = run_desk_jobs(clock.now())
        click.echo(f"{marked} no-shows marked, {expired} waiting-list offers expired.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Run what is due, then stop.")
    def worker(burst: bool):
        """Deliver notifications and run the scheduled jobs (RQ with REDIS_URL, else a loop)."""
        from .jobs import run_worker

        run_worker(current_app._get_current_object(), burst=burst)
