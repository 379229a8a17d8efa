"""The gevent server natqueue runs under, with WebSockets and TCP_NODELAY.

gevent's pywsgi writes the status line and headers in one send() and the body
in another; with Nagle's algorithm on, the body then waits for the client's
delayed ACK, about 40 ms on every keep-alive request. Phones and proxies use
keep-alive, so each accepted connection gets TCP_NODELAY, and a response of
ordinary size goes out with its headers in one send(): one system call fewer
per request (see docs/benchmarks.md).
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

    #: Bodies up to this size are copied behind the headers and sent with them.
    COALESCE_LIMIT = 64 * 1024
    _held = None

    def _write_with_headers(self, data):
        if not data or len(data) > self.COALESCE_LIMIT:
            return super()._write_with_headers(data)
        self._held = bytearray()
        try:
            super()._write_with_headers(data)  # headers, then the first body chunk: both held
            held = self._held
        finally:
            self._held = None
        self._sendall(held)
        return None

    def _sendall(self, data):
        if self._held is not None:
            self._held += data
        else:
            super()._sendall(data)


def make_server(app, host: str, port: int, log=None) -> pywsgi.WSGIServer:
    return pywsgi.WSGIServer((host, port), app, handler_class=NoDelayHandler, log=log)


def serve(app, host: str, port: int) -> None:
    make_server(app, host, port).serve_forever()
