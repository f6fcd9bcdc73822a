"""Schemathesis over the server's own OpenAPI document (`/api/v1/openapi.json`), as one user.

Runs `st run` from the venv with every check, a fixed seed, no example database (a database
would replay earlier runs' failures and make runs differ) and `--continue-on-failure`, so a
documentation gap found early does not stop the exploration of an operation. `hooks.py` makes
half of the generated path parameters name things that exist, so cases get past the 404s.

Failures of the checks in `HARD` fail the test: a 5xx, a response that does not match its
documented schema or content type, a route that answers without the token, a deleted resource
still answering. The others (`status_code_conformance`: a status the document does not list;
`positive_data_acceptance`: a request the schema allows but the rules refuse, such as an empty
title) say the document is less precise than the server; they are reported, grouped, as notes.

Figures come from the NDJSON event stream: every interaction's status, and every network error
(a dropped connection or a timeout), which counts as a failure. An operation cut short by
CPython 3.11's AST bug in the client (see `run`) is explored again alone, with one worker.
"""

import glob
import json
import os
import subprocess
import sys
from collections import Counter

from sync import Tally

HARD = {"not_a_server_error", "response_schema_conformance", "content_type_conformance", "response_headers_conformance",
        "ignored_auth", "use_after_free", "ensure_resource_availability", "negative_data_rejection", "max_response_time"}


def known_values(fx, who):
    """Path parameters that exist, for `hooks.py`: what this user can see, and what they cannot."""
    slugs = [fx["public"]["slug"], fx["private"]["slug"], fx["bobs_private"]["slug"]]
    return {
        "project": [fx["project"]["id"], fx["bobs_project"]["id"], 1],
        "item": fx["item_ids"][:20],
        "slug": [s.split("/", 1) for s in slugs],
    }


def run(server, fx, who, seed, work, compat=False):
    """Schemathesis as `who` over the native document, or (`compat`) over the compatibility
    APIs' document (`/api/compat/openapi.json`), where only "no server error" is checked: those
    routes answer another service's shapes, which the document describes loosely."""
    name = f"compat-{who}" if compat else who
    tally = Tally(f"openapi-{name}")
    out = os.path.join(work, f"schemathesis-{name}")
    examples = int(os.environ.get("TROVE_FUZZ_EXAMPLES", "100"))
    if who != "admin":
        examples = max(1, examples // 2)
    document, base = (f"{server.url}/api/compat/openapi.json", server.url) if compat else (f"{server.api}/openapi.json", server.api)
    args = ["--checks", "not_a_server_error" if compat else "all", "--max-examples", str(examples), "--seed", str(seed)]
    if os.environ.get("TROVE_FUZZ_MAX_TIME"):
        args += ["--max-time", os.environ["TROVE_FUZZ_MAX_TIME"]]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", TROVE_FUZZ_KNOWN=json.dumps(known_values(fx, who)),
               PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    soft, seen = Counter(), set()
    workers = os.environ.get("TROVE_FUZZ_WORKERS", "2")
    again = explore(document, base, fx[who], args + ["--workers", workers], env, out, tally, soft, seen)
    for i, label in enumerate(again):
        # CPython 3.11's AST constructor keeps its recursion depth in state shared by threads
        # (python/cpython#106905, fixed in 3.12), so two workers that both describe a strategy
        # can make it raise SystemError in the client. That operation is explored again, alone,
        # with one worker; an error there counts.
        tally.notes.append(f"schemathesis as {who}: {label} explored again with one worker after CPython's "
                           f"AST recursion-depth bug in the client (python/cpython#106905)")
        explore(document, base, fx[who], args + ["--workers", "1", "--include-name", label],
                env, os.path.join(out, f"again-{i}"), tally, soft, seen, retry=False)
    with open(os.path.join(out, "soft-failures.txt"), "w") as f:
        for (check, label, first), n in sorted(soft.items()):
            f.write(f"{check:28} {label:60} {n:4}  {first}\n")
    for check in sorted({k[0] for k in soft}):
        keys = [k for k in soft if k[0] == check]
        received = sorted({k[2] for k in keys if k[2].startswith("Received")})
        tally.notes.append(f"schemathesis as {who}: {check} failed {sum(soft[k] for k in keys)} case(s) on {len({k[1] for k in keys})} operations"
                           f"{' (' + ', '.join(received) + ')' if received else ''}: the document is less precise than the server; "
                           f"see {out}/soft-failures.txt")
    return tally


INTERPRETER_BUG = "AST constructor recursion depth mismatch"


def explore(document, base, token, args, env, out, tally, soft, seen, retry=True):
    """One `st run` into `out`, its events added to `tally`, `soft` and `seen`. Returns the
    operations whose exploration the client's interpreter bug cut short (when `retry`)."""
    os.makedirs(out, exist_ok=True)
    st = os.path.join(os.path.dirname(sys.executable), "st")
    cmd = [st, "run", document, "--url", base, "-H", f"Authorization: Bearer {token}", *args, "--continue-on-failure",
           "--generation-database", "none", "--suppress-health-check", "all",
           "--request-timeout", "30", "--max-response-time", "30", "--no-color", "--output-truncate", "true",
           "--report", "ndjson,junit", "--report-dir", out]
    with open(os.path.join(out, "output.txt"), "w") as log:
        code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=out, timeout=900).returncode
    shown = " ".join(cmd).replace(token, "<token>")
    events = glob.glob(os.path.join(out, "*.ndjson"))
    if not events:
        tally.add_failure("schemathesis", "run", f"st exited with {code} and wrote no report; see {out}/output.txt", shown)
        return []
    again = []
    with open(events[0]) as f:
        for line in f:
            event = json.loads(line)
            kind, body = next(iter(event.items()))
            if kind == "NonFatalError" or kind == "FatalError":
                value = body.get("value", {})
                text = f"{value.get('type')}: {value.get('message', '')}"
                label = body.get("label", "?")
                if any(w in text.lower() for w in ("connection", "network", "timeout", "timed out", "reset", "refused")):
                    tally.dropped += 1
                    tally.add_failure("network", label, text[:300], "")
                elif retry and kind == "NonFatalError" and INTERPRETER_BUG in text and " /" in label:
                    again.append(label)
                elif value.get("type") != "FailedHealthCheck":
                    tally.add_failure("schemathesis", label, text[:300], "")
                continue
            if kind != "ScenarioFinished":
                continue
            rec = body["recorder"]
            for case_id, inter in rec.get("interactions", {}).items():
                res = inter.get("response")
                tally.requests += 1
                tally.kinds[rec["label"]] += 1
                if res is None:
                    tally.dropped += 1
                    tally.add_failure("network", rec["label"], "no response", json.dumps(inter.get("request"))[:600])
                else:
                    tally.statuses[res["status_code"]] += 1
            for case_id, checks in rec.get("checks", {}).items():
                for check in checks:
                    if check["status"] != "failure":
                        continue
                    info = check.get("failure_info", {}).get("failure", {})
                    name = check["name"]
                    if name not in HARD:
                        soft[(name, rec["label"], info.get("message", "").split("\n")[0][:60])] += 1
                        continue
                    key = (name, rec["label"], info.get("title"), info.get("message", "")[:120])
                    if key in seen:
                        continue
                    seen.add(key)
                    inter = rec.get("interactions", {}).get(case_id, {})
                    case = rec.get("cases", {}).get(case_id, {}).get("value", {})
                    res = inter.get("response") or {}
                    tally.add_failure(name, rec["label"], f"{info.get('code', '')} {info.get('title', '')}: {info.get('message', '')[:300]}",
                                      request_summary(case, inter), res.get("status_code"), decode(res.get("content")))
    if code not in (0, 1):
        tally.add_failure("schemathesis", "run", f"st exited with {code}; see {out}/output.txt", shown)
    return again


def decode(content):
    import base64
    if not content:
        return b""
    if "$base64" in content:
        return base64.b64decode(content["$base64"])
    return str(content.get("string", content)).encode()


def request_summary(case, inter):
    req = inter.get("request", {})
    body = case.get("body")
    body = "" if body is None else f" body={json.dumps(body)[:300]}"
    return f"{req.get('method', case.get('method'))} {req.get('uri', case.get('path'))}{body} (st replay {case.get('id')})"
