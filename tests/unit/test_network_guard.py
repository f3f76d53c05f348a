"""The network guard fires: a test that reaches for a host beyond loopback fails, however the
attempt was made (a plain socket, asyncio, aiohttp, httpx as python-telegram-bot uses it,
websockets, a name lookup) and even when the code under test swallowed the error; loopback is
allowed. Subprocesses of tests get the same guard. No packet leaves: the guard refuses before
the real connect or lookup (192.0.2.1 is TEST-NET-1 besides)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.netguard import GUARD_EXIT_CODE, guarded_env, is_loopback

ROOT = Path(__file__).resolve().parents[2]

INNER = textwrap.dedent(
    """
    import asyncio
    import socket

    import aiohttp
    import httpx
    import pytest
    import websockets


    def test_plain_socket():
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=1)
        except OSError:
            pass  # swallowed, as a retry loop would


    async def test_asyncio_stream():
        try:
            await asyncio.open_connection("192.0.2.1", 443)
        except OSError:
            pass


    async def test_aiohttp_to_a_real_host():
        try:
            async with aiohttp.ClientSession() as http:
                await http.get("https://api.telegram.org/bot1:A/getMe")
        except aiohttp.ClientError:
            pass


    async def test_httpx_to_a_real_host():
        try:
            async with httpx.AsyncClient() as http:
                await http.get("https://discord.com/api/v10/gateway")
        except httpx.HTTPError:
            pass


    async def test_websockets_to_a_real_host():
        try:
            async with websockets.connect("wss://ws-live-data.polymarket.com"):
                pass
        except OSError:
            pass


    def test_a_name_lookup():
        with pytest.raises(OSError):
            socket.getaddrinfo("gamma-api.polymarket.com", 443)


    @pytest.fixture
    def leaves_in_teardown():
        yield
        try:
            socket.create_connection(("192.0.2.1", 25), timeout=1)
        except OSError:
            pass


    def test_teardown_attempt(leaves_in_teardown):
        pass


    async def test_loopback_is_fine():
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        for host in ("127.0.0.1", "localhost"):
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
        server.close()
        await server.wait_closed()
    """
)


def test_a_test_reaching_beyond_loopback_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.support.netguard_plugin"]')
    pytester.makepyfile(test_inner=INNER)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "asyncio_mode=auto", "-W", "ignore")

    result.assert_outcomes(passed=2, failed=6, errors=1)
    output = result.stdout.str()
    for test, host in [
        ("test_plain_socket", "connection to 192.0.2.1:80"),
        ("test_asyncio_stream", "connection to 192.0.2.1:443"),
        ("test_aiohttp_to_a_real_host", "name lookup of 'api.telegram.org'"),
        ("test_httpx_to_a_real_host", "name lookup of 'discord.com'"),
        ("test_websockets_to_a_real_host", "name lookup of 'ws-live-data.polymarket.com'"),
        ("test_a_name_lookup", "name lookup of 'gamma-api.polymarket.com'"),
        ("test_teardown_attempt", "during teardown: connection to 192.0.2.1:25"),
    ]:
        assert f"test_inner.py::{test} reached beyond loopback" in output and host in output, test
    assert "test_loopback_is_fine" not in output.split("short test summary")[-1]


def test_a_subprocess_reaching_beyond_loopback_exits_with_the_guard_code() -> None:
    code = textwrap.dedent(
        """
        import socket
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=1)
        except OSError as exc:
            print("caught", type(exc).__name__)
        """
    )
    env = guarded_env({k: v for k, v in os.environ.items() if not k.startswith("POLYSCAN_")})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == GUARD_EXIT_CODE
    assert "caught NonLoopbackConnection" in result.stdout
    assert "network guard: reached beyond loopback: connection to 192.0.2.1:80" in result.stderr


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("api.localhost", True),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("0.0.0.0", False),
        ("api.telegram.org", False),
        ("localhost.evil.com", False),
        (None, False),
    ],
)
def test_what_counts_as_loopback(host: str | None, local: bool) -> None:
    assert is_loopback(host) is local
