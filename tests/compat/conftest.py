"""The real trove-server for the compatibility tests: a data directory filled by `trove-server
demo` (the projects of both guides), users and tokens made with the CLI, and `serve` on a free
port of 127.0.0.1 — started with the fuzz tests' harness (`tests/fuzz/server.py`). One server per
test session; tests make their own collections."""

import os
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz"))
import server as harness  # noqa: E402  (tests/fuzz/server.py)

BINARY = os.environ.get("TROVE_COMPAT_SERVER", "target/debug/trove-server")


def cli(data, *args):
    """Runs `trove-server --data DATA ARGS...`; returns its stdout, trimmed; raises on failure."""
    return harness.cli(BINARY, data, *args)


@pytest.fixture(scope="session")
def trove():
    """A served data directory with the demo and these accounts (tokens in `.tokens`):
    `alice` (admin of namespace `lab`), `bob` (editor in namespace `other`)."""
    with tempfile.TemporaryDirectory(prefix="trove-compat-") as data:
        tokens = {}
        for user, org, role in [("alice", "lab", "admin"), ("bob", "other", "editor")]:
            cli(data, "user", "add", user, "--org", org, "--role", role)
            tokens[user] = cli(data, "token", "create", "--user", user)
        cli(data, "demo", "--namespace", "lab")
        server = harness.Server(BINARY, data, os.path.join(data, "serve.log"))
        server.tokens = tokens
        try:
            yield server
        finally:
            server.stop()
