"""The real `trove-server` binary for the fuzz tests: run its CLI, serve a data directory on a free
port of 127.0.0.1, stop it gracefully, and fill a data directory with the accounts the fuzzers
use (two users in two namespaces, a viewer grant, private collections, one sync client each).

Knows nothing of what is fuzzed; `fuzz.py` drives it.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import hashlib
import http.client
import urllib.parse


def cli(binary, data, *args):
    """Runs `trove-server --data DATA ARGS...`; returns its stdout, trimmed; raises on failure."""
    env = {k: v for k, v in os.environ.items() if k != "TROVE_DATA"}
    out = subprocess.run([binary, "--data", str(data), *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"trove-server {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out.stdout.strip()


class Server:
    """`trove-server serve` on 127.0.0.1:0 with its log in `log`; `stop()` sends SIGTERM."""

    def __init__(self, binary, data, log, rate_limit=1_000_000):
        self.binary, self.data, self.log_path = binary, data, log
        env = {k: v for k, v in os.environ.items() if k != "TROVE_DATA"}
        env.setdefault("RUST_BACKTRACE", "1")
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [binary, "--data", str(data), "serve", "--listen", "127.0.0.1:0", "--rate-limit", str(rate_limit), "--ip-rate-limit", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log, env=env,
        )
        found = threading.Event()
        self.url = None

        def read():
            # Read the address, then keep draining stdout so the server never writes to a closed pipe.
            for line in self.proc.stdout:
                line = line.decode(errors="replace").strip()
                if line.startswith("trove-server listening on "):
                    self.url = line.split(" on ", 1)[1]
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(60):
            self.proc.kill()
            raise RuntimeError(f"the server did not say where it listens; its log:\n{self.log_tail()}")
        parsed = urllib.parse.urlparse(self.url)
        self.host, self.port = parsed.hostname, parsed.port
        self.api = self.url + "/api/v1"

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=30):
        """SIGTERM and wait: in-flight requests finish and the database is closed (which
        checkpoints its WAL). Returns the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"the server did not stop within {timeout} s of SIGTERM")
        self.log.close()
        return self.proc.returncode

    def log_tail(self, lines=20):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])

    def log_lines(self):
        with open(self.log_path, "rb") as f:
            return [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in f.read().decode(errors="replace").splitlines()]

    def request(self, method, path, token=None, body=None, headers=None, timeout=60):
        """One request on a fresh connection; returns (status, parsed JSON or raw bytes)."""
        h = {"content-type": "application/json"} if body is not None else {}
        if token:
            h["authorization"] = f"Bearer {token}"
        h.update(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, "/api/v1" + path, body=body, headers=h)
            res = conn.getresponse()
            raw = res.read()
        finally:
            conn.close()
        try:
            return res.status, json.loads(raw)
        except ValueError:
            return res.status, raw

    def expect(self, status, method, path, token=None, body=None):
        got, answer = self.request(method, path, token, body)
        if got != status:
            raise RuntimeError(f"{method} {path} answered {got}, not {status}: {answer!r:.500}")
        return answer


def seed(binary, data, log):
    """Fills `data` with the demo projects and the accounts the fuzzers need, and returns what
    they need to know (tokens, ids, slugs) as a dict (`fuzz.py` keeps it in `fixture.json`):

    - `admin` owns the demo namespace, a public and a private collection with members, and the
      sync client `fuzz-admin` (one mutation applied);
    - `bob` has his own namespace with a project and a private collection, a viewer grant on the
      first demo project, and the sync client `fuzz-bob`.
    """
    cli(binary, data, "demo")
    admin = cli(binary, data, "token", "create", "--user", "admin")
    cli(binary, data, "user", "add", "bob")
    bob = cli(binary, data, "token", "create", "--user", "bob")
    s = Server(binary, data, log)
    try:
        projects = s.expect(200, "GET", "/projects", admin)
        # The biggest demo project (thousands of items); another one stays hidden from bob.
        projects.sort(key=lambda p: -p.get("item_count", 0))
        project = projects[0]
        cli(binary, data, "project", "grant", "--project", f"{project['namespace']}/{project['name']}", "--user", "bob", "--role", "viewer")
        pid = project["id"]
        items = s.expect(200, "GET", f"/projects/{pid}/items?limit=50", admin)["items"]
        item_ids = [i["id"] for i in items]
        public = s.expect(201, "POST", f"/projects/{pid}/collections", admin, {"title": "Fuzz public", "description": "seen by bob", "theme": "blue"})
        private = s.expect(201, "POST", f"/projects/{pid}/collections", admin, {"title": "Fuzz secret", "private": True})
        s.expect(200, "POST", f"/collections/{public['slug']}/items/bulk-add", admin, {"items": item_ids[:10], "notes": {str(item_ids[0]): "blurry"}})
        s.expect(200, "POST", f"/collections/{private['slug']}/items/bulk-add", admin, {"items": item_ids[10:15]})
        bobs_project = s.expect(201, "POST", "/projects", bob, {"name": "Bob's things", "kind": "image"})
        bobs_private = s.expect(201, "POST", f"/projects/{bobs_project['id']}/collections", bob, {"title": "Bob secret", "private": True})

        pull = s.expect(200, "GET", f"/sync/pull?project={project['uuid']}&client_id=fuzz-admin", admin)
        item_uuids = [i["uuid"] for i in pull["items"]][:50]
        by_title = {c["title"]: c for c in pull["collections"]}
        # One mutation each, so both clients exist (bound to their user) with a known last
        # mutation id (1): request-level faults can then be told from gaps and repeats.
        first = {"client_id": "fuzz-admin", "mutations": [{"id": 1, "mutation": {"name": "update_collection", "args": {
            "collection": by_title["Fuzz public"]["uuid"], "patch": {"description": "seen by bob, synced"}}}}]}
        pushed = s.expect(200, "POST", "/sync/push", admin, first)
        assert pushed == {"last_mutation_id": 1, "rejected": []}, pushed
        bob_first = {"client_id": "fuzz-bob", "mutations": [{"id": 1, "mutation": {"name": "set_note", "args": {
            "collection": by_title["Fuzz public"]["uuid"], "item": item_uuids[0], "note": "a viewer cannot"}}}]}
        pushed = s.expect(200, "POST", "/sync/push", bob, bob_first)
        assert pushed["last_mutation_id"] == 1 and pushed["rejected"], pushed
    finally:
        code = s.stop()
    if code != 0:
        raise RuntimeError(f"the seeding server exited with {code}; its log:\n{s.log_tail()}")
    fixture = {
        "admin": admin, "bob": bob,
        "project": {"id": pid, "uuid": project["uuid"], "namespace": project["namespace"], "name": project["name"]},
        "bobs_project": {"id": bobs_project["id"], "uuid": bobs_project.get("uuid")},
        "item_ids": item_ids, "item_uuids": item_uuids,
        "hidden_project": projects[1]["uuid"] if len(projects) > 1 else None,
        "public": {"slug": public["slug"], "uuid": by_title["Fuzz public"]["uuid"], "hex_id": public["hex_id"]},
        "private": {"slug": private["slug"], "uuid": by_title["Fuzz secret"]["uuid"], "hex_id": private["hex_id"]},
        "bobs_private": {"slug": bobs_private["slug"], "hex_id": bobs_private["hex_id"]},
        "dataset": pull["datasets"][0]["uuid"] if pull["datasets"] else None,
    }
    return fixture


def database_state(data):
    """What "the database did not change" is checked against, for a server that was stopped
    gracefully: the SHA-256 of `trove-server.db` once any WAL left behind is checkpointed into
    it, and a logical dump (every table's rows, sorted) to show what differs.

    Why the file and not a dump alone: a byte-identical file after a checkpoint means no
    transaction committed anything (SQLite rewrites only the pages a commit touched, and
    header fields like the change counter move with any commit), which is the claim DESIGN §6
    makes; the dump is there to say *what* changed when the hashes differ. The checkpoint is
    the same on both sides and writes only frames that were committed, so it cannot hide a
    change or invent one. `-wal`/`-shm` are not compared: their bytes hold uncommitted and
    checkpointed frames and salts that differ run to run.
    """
    path = os.path.join(data, "trove-server.db")
    if os.path.exists(path + "-wal"):
        c = sqlite3.connect(path)
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        dump = {}
        for t in tables:
            dump[t] = sorted(c.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
    finally:
        c.close()
    return digest, dump


def dump_diff(before, after, limit=20):
    """The tables whose rows differ between two dumps, with a few rows each way."""
    out = []
    for t in sorted(set(before) | set(after)):
        b, a = before.get(t, []), after.get(t, [])
        if b != a:
            bs, as_ = set(map(repr, b)), set(map(repr, a))
            gone, new = sorted(bs - as_)[:limit], sorted(as_ - bs)[:limit]
            out.append(f"table {t}: {len(b)} rows before, {len(a)} after")
            out += [f"  - {r[:300]}" for r in gone] + [f"  + {r[:300]}" for r in new]
    return out
