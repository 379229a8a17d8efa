"""``flask --app app site ...``: what an organizer does from a terminal."""

import unicodedata

import click
from flask import current_app
from flask.cli import AppGroup

from natqueue.sites import registry, staff_code
from natqueue.store.backend import QueueError
from natqueue.validation import Invalid, clean_name, clean_site_id
from natqueue.web import get_backend
from natqueue.web.addresses import known_base_url

site_cli = AppGroup("site", help="Create and inspect sampling sites.")


def _public(path: str) -> str:
    """A link that works: the configured public URL, else where the running server said it is."""
    base = (current_app.config["NATQ_PUBLIC_URL"] or known_base_url(get_backend())
            or f"http://{current_app.config['HOST']}:{current_app.config['PORT']}")
    return base.rstrip("/") + path


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * max(columns - _width(text), 0)


def _stations(n: int) -> str:
    return f"{n} station" if n == 1 else f"{n} stations"


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
    click.echo(f"site:        {site['id']}  {site['name']}  ({_stations(stations)})")
    click.echo(f"staff code:  {site['staff_code']}")
    click.echo(f"residents:   {_public('/s/' + slug)}")
    click.echo(f"station 1:   {_public(f'/station/{slug}/1')}")
    click.echo(f"QR code:     {_public(f'/api/v1/sites/{slug}/qr.svg')}")


@site_cli.command("list")
def list_sites():
    """Every site with its queue right now."""
    backend = get_backend()
    found = [registry.get_site(backend, site_id) for site_id in registry.list_site_ids(backend)]
    id_width = max([_width(s["id"]) for s in found] + [4])
    name_width = max([_width(s["name"]) for s in found] + [4])
    for site in found:
        open_ = sum(1 for s in site["stations"] if s["status"] == "open")
        click.echo(f"{_pad(site['id'], id_width)}  {_pad(site['name'], name_width)}  waiting {site['waiting']:4}  "
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
