"""The gevent server natqueue runs under, with WebSockets and TCP_NODELAY.

gevent's pywsgi writes the status line and headers in one send() and the body
in another; with Nagle's algorithm on, the body then waits for the client's
delayed ACK, about 40 ms on every keep-alive request. Phones and proxies use
keep-alive, so each accepted connection gets TCP_NODELAY.
"""

import socket

from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler


class NoDelayHandler(WebSocketHandler):
    def __init__(self, sock, address, server, rfile=None):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a unix socket)
            pass
        super().__init__(sock, address, server, rfile)


def make_server(app, host: str, port: int, log=None) -> pywsgi.WSGIServer:
    return pywsgi.WSGIServer((host, port), app, handler_class=NoDelayHandler, log=log)


def serve(app, host: str, port: int) -> None:
    make_server(app, host, port).serve_forever()
