"""The network guard: a test that reaches for any host but this machine's loopback fails.

Tests talk to fakes on 127.0.0.1; nothing else is reachable from CI, and a test that quietly
tries (a real API URL left in a setting) would pass or fail for the wrong reason. Every TCP/UDP
`connect`/`connect_ex` (which is how asyncio, aiohttp, httpx and websockets connect too) and every
name lookup (`getaddrinfo`, which asyncio's resolver and the threaded resolvers call) of anything
but loopback is refused before a packet leaves, recorded, and fails the test in the phase it
happened in, even when the code under test caught the error (retry loops do).

tests/support/netguard_plugin.py installs it in the pytest process; `guarded_env` installs it in a
Python subprocess a test starts (through sitecustomize), where an attempt makes the process exit
with GUARD_EXIT_CODE and name the host on stderr. tests/unit/test_network_guard.py proves both.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any

_REAL_CONNECT = socket.socket.connect
_REAL_CONNECT_EX = socket.socket.connect_ex
_REAL_GETADDRINFO = socket.getaddrinfo
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_BIND_ANY = {""}  # a server binding to every interface looks this up
_attempts: list[str] = []
GUARD_EXIT_CODE = 97
_SITE_DIR = Path(__file__).resolve().parent / "guarded_python"
_ROOT = Path(__file__).resolve().parents[2]


class NonLoopbackConnection(ConnectionRefusedError):
    """A test tried to connect to a host that is not loopback (refused before any packet left)."""


class NonLoopbackLookup(socket.gaierror):
    """A test tried to resolve a name that is not loopback (refused before any query left)."""


def is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    name = host.split("%", 1)[0].strip("[]").lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _check_connect(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # unix sockets and the like stay on this machine
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_loopback(host):
        where = f"{host}:{address[1]}" if isinstance(address, tuple) and len(address) > 1 else repr(host)
        _attempts.append(f"connection to {where}")
        raise NonLoopbackConnection(f"tests may only connect to loopback, not {where}")


def _connect(self: socket.socket, address: Any) -> None:
    _check_connect(self, address)
    return _REAL_CONNECT(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check_connect(self, address)
    return _REAL_CONNECT_EX(self, address)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    return True


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    text = host.decode() if isinstance(host, bytes) else host
    # an address needs no lookup (connecting to it is checked); a name other than loopback's does
    if text is not None and text not in _BIND_ANY and not is_loopback(text) and not _is_address(text):
        _attempts.append(f"name lookup of {text!r}")
        raise NonLoopbackLookup(socket.EAI_NONAME, f"tests may only resolve loopback names, not {text!r}")
    return _REAL_GETADDRINFO(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _getaddrinfo


def uninstall() -> None:
    socket.socket.connect = _REAL_CONNECT  # type: ignore[method-assign]
    socket.socket.connect_ex = _REAL_CONNECT_EX  # type: ignore[method-assign]
    socket.getaddrinfo = _REAL_GETADDRINFO


def take_attempts() -> list[str]:
    """What was refused since the last call (each once, in order)."""
    found = list(dict.fromkeys(_attempts))
    _attempts.clear()
    return found


def report_at_exit() -> None:
    """In a subprocess: name what was refused and fail the process (its own code may have coped)."""
    found = take_attempts()
    if found:
        sys.stderr.write(f"network guard: reached beyond loopback: {'; '.join(found)}\n")
        sys.stderr.flush()
        os._exit(GUARD_EXIT_CODE)


def guarded_env(env: dict[str, str]) -> dict[str, str]:
    """`env` for a Python subprocess of a test: the guard is installed before its code runs."""
    paths = [str(_SITE_DIR), str(_ROOT), *filter(None, [env.get("PYTHONPATH", "")])]
    return env | {"PYTHONPATH": os.pathsep.join(paths)}
