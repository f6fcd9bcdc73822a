"""Sends the sync fuzz cases to a running server and judges the answers: `malformed` (every case
refused at the request level) and `hostile` (well-formed attacks, answered below 500). Both
count every request, the statuses, the answers ≥ 500 and the dropped connections, and keep the
server's log lines around each failure for the report.
"""

import json
import re
import time
from collections import Counter

import hostile
import malformed
import wire


ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Tally:
    def __init__(self, part):
        self.part = part
        self.requests = 0
        self.statuses = Counter()
        self.kinds = Counter()
        self.dropped = 0
        self.failures = []
        self.notes = []

    def add_failure(self, kind, what, problem, request, status=None, body=b"", log=()):
        self.failures.append({"part": self.part, "kind": kind, "what": what, "problem": problem, "status": status,
                              "request": request, "answer": (body or b"")[:400].decode(errors="replace"), "log": list(log)[-12:]})

    def figures(self):
        return {"requests": self.requests, "statuses": dict(sorted(self.statuses.items())), "5xx": sum(n for s, n in self.statuses.items() if s >= 500),
                "dropped": self.dropped, "failures": len(self.failures)}


class LogCursor:
    """The server log lines written since the last call."""

    def __init__(self, path):
        self.path, self.offset = path, 0
        self.skip()

    def skip(self):
        with open(self.path, "rb") as f:
            f.seek(0, 2)
            self.offset = f.tell()

    def new_lines(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
            self.offset = f.tell()
        return [ANSI.sub("", line) for line in data.decode(errors="replace").splitlines()]


def judge(tally, server, log, kind, what, expect, request_summary, call, json_errors=True):
    """Sends one request through `call()` and records what it owes. Returns the answer or None."""
    tally.requests += 1
    tally.kinds[kind] += 1
    log.skip()
    try:
        answer = call()
    except wire.Dropped as e:
        tally.dropped += 1
        time.sleep(0.2)
        state = "the server process is gone" if not server.alive() else "the server is still running"
        tally.add_failure(kind, what, f"dropped connection ({e}); {state}", request_summary, log=log.new_lines())
        return None
    except OSError as e:
        tally.dropped += 1
        tally.add_failure(kind, what, f"connection error {e!r}", request_summary, log=log.new_lines())
        return None
    tally.statuses[answer.status] += 1
    if answer.status >= 500:
        tally.add_failure(kind, what, f"answered {answer.status}", request_summary, answer.status, answer.body, log.new_lines())
    elif expect == "4xx" and not 400 <= answer.status < 500:
        tally.add_failure(kind, what, f"answered {answer.status}, not a 4xx refusal", request_summary, answer.status, answer.body)
    elif answer.status in (414, 431):
        # hyper refuses a request line or headers over its buffer before axum sees them, with
        # an empty body; the status says enough.
        tally.notes.append(f"{kind}: {what}: {answer.status} from hyper (no JSON body)")
    elif 400 <= answer.status < 500 and json_errors and not answer.error_shape_ok():
        tally.add_failure(kind, what, f"a {answer.status} without the JSON error body", request_summary, answer.status, answer.body)
    return answer


def last_mutation_id(server, fx, who, client):
    """The client's last applied mutation id, as a pull (read-only) reports it."""
    status, answer = server.request("GET", f"/sync/pull?project={fx['project']['uuid']}&client_id={client}&limit=1", fx[who])
    if status != 200:
        raise RuntimeError(f"pull for the last mutation id of {client} answered {status}: {answer!r:.300}")
    return answer["last_mutation_id"]


def run_malformed(server, fx, seed, count):
    tally = Tally("sync-malformed")
    log = LogCursor(server.log_path)
    for case in malformed.cases(fx, seed, count):
        if not server.alive():
            tally.add_failure(case.kind, case.what, "the server exited before this case", case.summary())
            break
        # A refusal by hyper itself (malformed HTTP framing) has no JSON body to give.
        answer = judge(tally, server, log, case.kind, case.what, case.expect, case.summary(),
                       lambda: wire.send(server.host, server.port, case.method, case.target, case.headers, case.body, case.raw, half_close=case.half_close),
                       json_errors=case.raw is None and case.method != "HEAD")
        if answer is not None and case.expect == "4xx" and answer.status < 400:
            # Applied by mistake (already a failure): later cases must still be about their
            # own fault, not a repeated id.
            fx["next_id"] = last_mutation_id(server, fx, "admin", "fuzz-admin") + 1
    return tally


def run_hostile(server, fx, seed, report):
    """Runs the hostile steps in order, tracking each client's next mutation id from the answers.
    Writes one line per step to `report`."""
    import random

    tally = Tally("sync-hostile")
    log = LogCursor(server.log_path)
    tokens = {"admin": fx["admin"], "bob": fx["bob"]}
    next_id = {"fuzz-admin": last_mutation_id(server, fx, "admin", "fuzz-admin") + 1, "fuzz-bob": last_mutation_id(server, fx, "bob", "fuzz-bob") + 1}
    subst = {}
    with open(report, "w") as out:
        for step in hostile.steps(fx, random.Random(seed)):
            if not server.alive():
                tally.add_failure(step.kind, step.what, "the server exited before this step", step.path)
                out.write(f"{step.kind:12} {step.what[:90]:90} -> not sent: the server is gone\n")
                break
            body = step.request_body(next_id[step.client])
            text = None
            if body is not None:
                text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
                text = text.replace('"@@ID@@"', str(next_id[step.client])).replace("@@ID@@", str(next_id[step.client]))
                for k, v in subst.items():
                    text = text.replace(f'"{k}"', json.dumps(v))
            path = step.path
            for k, v in subst.items():
                path = path.replace(k, str(v))
            headers = {"authorization": f"Bearer {tokens[step.token]}"}
            if text is not None:
                headers["content-type"] = "application/json"
            data = text.encode() if text is not None else None
            summary = f"{step.method} {path[:200]} body[{len(data or b'')}]={(data or b'')[:300]!r}"
            answer = judge(tally, server, log, step.kind, step.what, step.expect, summary,
                           lambda: wire.send(server.host, server.port, step.method, path, headers, data, timeout=120))
            outcome = "no answer"
            if answer is not None:
                j = answer.json()
                outcome = str(answer.status)
                if answer.status == 200 and step.path == hostile.PUSH and isinstance(j, dict):
                    if not isinstance(j.get("last_mutation_id"), int) or not isinstance(j.get("rejected"), list):
                        tally.add_failure(step.kind, step.what, "a push answer without last_mutation_id and rejected", summary, 200, answer.body)
                    else:
                        next_id[step.client] = j["last_mutation_id"] + 1
                        if j["rejected"]:
                            msg = j["rejected"][0]["error"]["message"]
                            outcome += f" refused ({len(msg):,} chars): {msg[:70]!r}"
                        else:
                            outcome += " applied"
                elif isinstance(j, dict) and "error" in j:
                    outcome += f" {j['error'].get('message', '')[:80]!r}"
                if step.what.startswith("create a collection for the long key") and answer.status == 201:
                    subst["@@LONGKEY@@"] = j["uuid"]
                    subst["@@LONGKEY_ITEMS@@"] = f"/api/v1/collections/{j['slug']}/items"
                    subst["@@ITEM@@"] = fx["item_ids"][1]
                    subst["@@ITEMS@@"] = fx["item_ids"][2:5]
            out.write(f"{step.kind:12} {step.what[:90]:90} -> {outcome}\n")
    return tally
