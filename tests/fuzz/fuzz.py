"""The fuzz tests of trove-server against its real binary (issue 9, DESIGN §6), run by `run.sh`:

1. seed a data directory (`server.seed`: demo projects, two users in two namespaces, a viewer
   grant, private collections, one sync client each);
2. sync, malformed (`malformed.py`): a few thousand requests the server must refuse at the
   request level, on a copy of the seed; then the server is stopped with SIGTERM and its
   database must be byte-identical to the copy's (see `server.database_state`);
3. sync, hostile (`hostile.py`): well-formed attacks and the review's probes, on the same data;
4. openapi (`openapi.py`): schemathesis over `/api/v1/openapi.json`, as the admin and as the
   viewer, and over `/api/compat/openapi.json` (the Hugging Face and Supervisely APIs) as the
   admin, on another copy of the seed.

Every part asserts no answer ≥ 500 and no dropped connection, and the figures (requests,
statuses, 5xx) are printed at the end and written to `summary.json` in the work directory. Exits
1 when anything failed. Settings come from the environment (see `run.sh`).
"""

import json
import os
import shutil
import sys
import tempfile
import time

import openapi
import server as srv
import sync


def env_int(name, default):
    return int(os.environ.get(name, default))


def main():
    binary = os.path.abspath(os.environ.get("TROVE_FUZZ_SERVER", "target/debug/trove-server"))
    parts = os.environ.get("TROVE_FUZZ_PARTS", "sync,openapi").split(",")
    seed = env_int("TROVE_FUZZ_SEED", 9)
    work = os.environ.get("TROVE_FUZZ_WORK") or tempfile.mkdtemp(prefix="trove-fuzz-")
    if os.path.exists(work) and os.listdir(work):
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    print(f"fuzz: server {binary}, work directory {work}, seed {seed}, parts {','.join(parts)}", flush=True)

    started = time.time()
    data = os.path.join(work, "seed")
    fx = srv.seed(binary, data, os.path.join(work, "seed.log"))
    fx["next_id"] = 2
    with open(os.path.join(work, "fixture.json"), "w") as f:
        json.dump(fx, f, indent=1)
    print(f"fuzz: seeded in {time.time() - started:.1f} s", flush=True)

    tallies = []
    if "sync" in parts:
        t0 = time.time()
        d = os.path.join(work, "sync")
        shutil.copytree(data, d)
        # One start and stop first: on open the server brings the planner's statistics up to
        # date with the seeded rows (sqlite_stat1), its own upkeep, not a request's doing.
        settle = srv.Server(binary, d, os.path.join(work, "settle.log"))
        code = settle.stop()
        if code != 0:
            raise SystemExit(f"fuzz: the server exited with {code} when stopped after a plain start")
        before = srv.database_state(d)
        s = srv.Server(binary, d, os.path.join(work, "sync.log"))
        t = sync.run_malformed(s, fx, seed, env_int("TROVE_FUZZ_SYNC_CASES", 3000))
        code = s.stop()
        if code != 0:
            t.add_failure("server", "stop", f"the server exited with {code} (SIGTERM should exit 0)", "", log=s.log_lines())
        after = srv.database_state(d)
        if before[0] != after[0]:
            diff = srv.dump_diff(before[1], after[1])
            t.add_failure("database", "byte-identical after the refused requests",
                          f"trove-server.db changed (sha256 {before[0][:12]} -> {after[0][:12]}); rows: {'; '.join(diff[:30]) or 'the same (pages only)'}", "")
        else:
            t.notes.append(f"trove-server.db byte-identical after {t.requests} refused requests (sha256 {after[0][:16]})")
        tallies.append(t)
        print(f"fuzz: sync malformed: {t.figures()} in {time.time() - t0:.1f} s", flush=True)

        t0 = time.time()
        s = srv.Server(binary, d, os.path.join(work, "sync.log"))
        t = sync.run_hostile(s, fx, seed, os.path.join(work, "hostile.txt"))
        if s.alive():
            s.stop()
        else:
            t.add_failure("server", "alive after the hostile steps", f"the server process exited with {s.proc.returncode}", "", log=s.log_lines()[-15:])
            s.stop()
        tallies.append(t)
        print(f"fuzz: sync hostile: {t.figures()} in {time.time() - t0:.1f} s (each step: {work}/hostile.txt)", flush=True)

    if "openapi" in parts:
        t0 = time.time()
        d = os.path.join(work, "openapi")
        shutil.copytree(data, d)
        s = srv.Server(binary, d, os.path.join(work, "openapi.log"))
        for who, compat in (("admin", False), ("bob", False), ("admin", True)):
            t = openapi.run(s, fx, who, seed, work, compat)
            tallies.append(t)
            print(f"fuzz: openapi{' (compatibility APIs)' if compat else ''} as {who}: {t.figures()} in {time.time() - t0:.1f} s", flush=True)
            if not s.alive():
                break
        if s.alive():
            s.stop()
        else:
            tallies[-1].add_failure("server", "alive after schemathesis", f"the server process exited with {s.proc.returncode}", "", log=s.log_lines()[-15:])

    summary = {"seconds": round(time.time() - started, 1), "parts": {t.part: t.figures() for t in tallies},
               "failures": [f for t in tallies for f in t.failures], "notes": [n for t in tallies for n in t.notes]}
    total = {"requests": sum(t.requests for t in tallies), "5xx": sum(t.figures()["5xx"] for t in tallies),
             "dropped": sum(t.dropped for t in tallies)}
    statuses = {}
    for t in tallies:
        for k, v in t.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    total["statuses"] = dict(sorted(statuses.items()))
    summary["total"] = total
    with open(os.path.join(work, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, default=str)

    print("\n== fuzz figures")
    for t in tallies:
        print(f"  {t.part:22} {json.dumps(t.figures())}")
    print(f"  {'total':22} {json.dumps(total)}")
    for n in summary["notes"]:
        print(f"  note: {n}")
    for f in summary["failures"]:
        print(f"\nFAIL [{f['part']}/{f['kind']}] {f['what']}: {f['problem']}")
        if f["request"]:
            print(f"  request: {f['request'][:600]}")
        if f["answer"]:
            print(f"  answer: {f['answer'][:300]}")
        for line in f["log"]:
            print(f"  log: {line[:400]}")
    print(f"\nfuzz: {len(summary['failures'])} failures in {summary['seconds']} s; details in {work}/summary.json")
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
