"""Where phones can reach this server, and telling the poster when they cannot.

A poster printed with a QR code for 127.0.0.1 opens on no phone; it is discovered at 6 a.m.
So natqueue lists the addresses of this machine's network interfaces at start-up, and the
pages that hand out QR codes say so, in red, when the code points at a loopback address.
"""

import fcntl
import ipaddress
import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from natqueue.keys import BASE_URL_KEY

_SIOCGIFADDR = 0x8915


def _interface_address(name: str) -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine that another device on the site's network could use."""
    found = []
    for _index, name in socket.if_nameindex():
        address = _interface_address(name)
        if address and not ipaddress.ip_address(address).is_loopback and address not in found:
            found.append(address)
    return found


def is_loopback_url(url: str) -> bool:
    """True when a QR code for ``url`` would open only on this computer."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class LoopbackWarning:
    """What the poster and the organizer pages say when their QR codes open on no phone."""

    url: str  # where the QR codes point now
    example: str  # where they should point: this machine's address on the site's network
    others: list[str]  # its other addresses, in case the first is not the site's Wi-Fi


def loopback_warning(base_url: str) -> LoopbackWarning | None:
    """None when phones can open ``base_url``; else how to fix it."""
    if not is_loopback_url(base_url):
        return None
    port = urlsplit(base_url).port or 80
    found = [f"http://{address}:{port}" for address in lan_addresses()]
    example = found[0] if found else f"http://<Wi-Fi address>:{port}"
    return LoopbackWarning(url=base_url.rstrip("/"), example=example, others=found[1:])


def qr_warning() -> LoopbackWarning | None:
    """For the poster and the organizer pages (templates/_qr_warning.html, a template global):
    the warning when their QR codes point at a loopback address."""
    from natqueue.web.requests import public_url  # a request's helper: not for the CLI's imports

    return loopback_warning(public_url("/"))


def remember_base_url(backend, base: str) -> None:
    """The running server's address, so ``flask site ...`` prints links that work."""
    backend.redis.set(BASE_URL_KEY, base)


def known_base_url(backend) -> str | None:
    return backend.redis.get(BASE_URL_KEY)
