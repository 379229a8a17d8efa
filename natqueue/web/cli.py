"""``flask --app app site ...``: what an organizer does from a terminal."""

import click
from flask import current_app
from flask.cli import AppGroup

from natqueue.sites import registry, staff_code
from natqueue.store.backend import QueueError
from natqueue.validation import Invalid, clean_name, clean_site_id
from natqueue.web import get_backend

site_cli = AppGroup("site", help="Create and inspect sampling sites.")


def _public(path: str) -> str:
    base = current_app.config["NATQ_PUBLIC_URL"] or (
        f"http://{current_app.config['HOST']}:{current_app.config['PORT']}"
    )
    return base.rstrip("/") + path


@site_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Shown to residents, e.g. 金域华府.")
@click.option("--stations", type=click.IntRange(1, registry.MAX_STATIONS), default=1, show_default=True)
@click.option("--address", default="")
def create(slug, name, stations, address):
    """Create site SLUG and print its staff code (shown this once)."""
    try:
        clean_site_id(slug)
        clean_name(name, "name", 60)
        site = registry.create_site(get_backend(), slug, name, stations, address=address,
                                 timezone=current_app.config["NATQ_TIMEZONE"])
    except Invalid as exc:
        raise click.BadParameter(str(exc)) from None
    except QueueError as exc:
        message = f"site {slug} already exists" if exc.code == "site_exists" else str(exc)
        raise click.ClickException(message) from None
    click.echo(f"site:        {site['id']}  {site['name']}  ({stations} stations)")
    click.echo(f"staff code:  {site['staff_code']}")
    click.echo(f"residents:   {_public('/s/' + slug)}")
    click.echo(f"station 1:   {_public(f'/station/{slug}/1')}")
    click.echo(f"QR code:     {_public(f'/api/v1/sites/{slug}/qr.svg')}")


@site_cli.command("list")
def list_sites():
    """Every site with its queue right now."""
    backend = get_backend()
    for site_id in registry.list_site_ids(backend):
        site = registry.get_site(backend, site_id)
        open_ = sum(1 for s in site["stations"] if s["status"] == "open")
        click.echo(f"{site_id:24} {site['name']:12} waiting {site['waiting']:4}  "
                   f"open {open_}/{len(site['stations'])}")


@site_cli.command("rotate-code")
@click.argument("slug")
def rotate_code(slug):
    """Give SLUG a new staff code; staff signed in with the old one are signed out."""
    try:
        click.echo(staff_code.rotate_staff_code(get_backend(), slug))
    except QueueError:
        raise click.ClickException(f"no site {slug}") from None


def init_app(app):
    app.cli.add_command(site_cli)
