"""Where phones can reach this server, and telling the poster when they cannot.

A poster printed with a QR code for 127.0.0.1 opens on no phone; it is discovered at 6 a.m.
So natqueue lists the addresses of this machine's network interfaces at start-up, and the
pages that hand out QR codes say so, in red, when the code points at a loopback address.
"""

import fcntl
import ipaddress
import socket
import struct
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


def remember_base_url(backend, base: str) -> None:
    """The running server's address, so ``flask site ...`` prints links that work."""
    backend.redis.set(BASE_URL_KEY, base)


def known_base_url(backend) -> str | None:
    return backend.redis.get(BASE_URL_KEY)
