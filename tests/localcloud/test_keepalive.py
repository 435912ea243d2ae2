"""HTTP/1.1 keep-alive on the local cloud's endpoint (:mod:`localcloud.keepalive`)."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

from infra_scripts.localcloud.runtime import HEALTH_PATH

pytestmark = pytest.mark.localcloud


class _OneReader:
    """Gives every HTTPResponse the same buffered reader (which a finished response does not
    close), so answers to pipelined requests are parsed in turn."""

    def __init__(self, sock: socket.socket) -> None:
        self.file = sock.makefile("rb")

    def makefile(self, mode: str) -> _OneReader:
        del mode
        return self

    def __getattr__(self, name: str) -> object:
        return getattr(self.file, name)

    def close(self) -> None:
        pass


def _address(local_cloud) -> tuple[str, int]:
    url = urlsplit(local_cloud.endpoint)
    return url.hostname, url.port


def _health(response: http.client.HTTPResponse) -> dict:
    assert response.status == 200
    return json.loads(response.read())


def test_requests_reuse_one_connection(local_cloud, session):
    host, port = _address(local_cloud)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", HEALTH_PATH)
    first = conn.getresponse()
    assert _health(first)["port"] == port
    assert not first.will_close
    sock = conn.sock
    conn.request("GET", HEALTH_PATH)
    assert _health(conn.getresponse())["port"] == port
    assert conn.sock is sock and sock is not None  # the same TCP connection
    conn.close()
    s3 = session.client("s3")  # and SDK calls (bodies both ways) on pooled connections
    s3.create_bucket(Bucket="keepalive-check")
    for i in range(3):
        s3.put_object(Bucket="keepalive-check", Key=f"k{i}", Body=b"x" * (1000 * i))
        assert s3.get_object(Bucket="keepalive-check", Key=f"k{i}")["Body"].read() == b"x" * (
            1000 * i
        )


def test_an_unread_request_body_does_not_leak_into_the_next_request(local_cloud):
    """The health answer ignores a body: the bytes left unread are discarded, and the next
    request, sent right behind it on the same connection, is answered as itself."""
    host, port = _address(local_cloud)
    body = b"{" + b"x" * 200_000 + b"}"
    pipelined = (
        f"POST {HEALTH_PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    pipelined += f"GET {HEALTH_PATH} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(pipelined)
        reader = _OneReader(sock)
        for _ in range(2):
            response = http.client.HTTPResponse(reader)  # type: ignore[arg-type]
            response.begin()
            assert _health(response)["port"] == port
            assert not response.will_close


@pytest.mark.parametrize(
    ("request_line", "headers", "body"),
    [
        ("GET {path} HTTP/1.0", "", b""),
        ("GET {path} HTTP/1.1", "Connection: close\r\n", b""),
        ("POST {path} HTTP/1.1", "Transfer-Encoding: chunked\r\n", b"3\r\nabc\r\n0\r\n\r\n"),
    ],
    ids=["http-1.0", "client-asks-close", "chunked-body"],
)
def test_requests_that_cannot_stay_open_close_the_connection(
    local_cloud, request_line, headers, body
):
    host, port = _address(local_cloud)
    head = f"{request_line.format(path=HEALTH_PATH)}\r\nHost: {host}\r\n{headers}\r\n"
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert _health(response)["port"] == port
        assert response.will_close
        assert sock.recv(1) == b""  # the server closed its end
