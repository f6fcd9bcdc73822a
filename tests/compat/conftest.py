"""The real trove-server for the compatibility tests: a data directory filled by `trove-server
demo` (the projects of both guides), users and tokens made with the CLI, and `serve` on a free
port of 127.0.0.1. One server per test session; tests make their own collections."""

import os
import subprocess
import tempfile
import threading

import pytest

BINARY = os.environ.get("TROVE_COMPAT_SERVER", "target/debug/trove-server")


def cli(data, *args):
    """Runs `trove-server --data DATA ARGS...`; returns its stdout, trimmed; raises on failure."""
    env = {k: v for k, v in os.environ.items() if k != "TROVE_DATA"}
    out = subprocess.run([BINARY, "--data", str(data), *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"trove-server {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out.stdout.strip()


class Server:
    """`trove-server serve` on 127.0.0.1:0; `url` is its base URL; stopped at the end of the session."""

    def __init__(self, data):
        self.data = data
        env = {k: v for k, v in os.environ.items() if k != "TROVE_DATA"}
        self.log = open(os.path.join(data, "serve.log"), "ab")
        self.proc = subprocess.Popen(
            [BINARY, "--data", str(data), "serve", "--listen", "127.0.0.1:0", "--ip-rate-limit", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log, env=env,
        )
        found = threading.Event()
        self.url = None

        def read():
            for line in self.proc.stdout:
                line = line.decode(errors="replace").strip()
                if line.startswith("trove-server listening on "):
                    self.url = line.split(" on ", 1)[1]
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(60):
            self.proc.kill()
            raise RuntimeError("the server did not say where it listens")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


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
        server = Server(data)
        server.tokens = tokens
        try:
            yield server
        finally:
            server.stop()
