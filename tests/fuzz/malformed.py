"""Malformed requests to the sync routes that must be refused at the request level: every one of
them answers 4xx (never 5xx, never a dropped connection) and, all together, they leave the
server's database byte-identical (checked by `fuzz.py`). The OpenAPI document describes a push
mutation as `object`, so schemathesis cannot reach most of these; they are written by hand.

Each generator takes a `random.Random` (fixed seed: the same run sends the same bytes) and the
fixture from `server.seed`, and yields `Case`s. A case's `expect` is "4xx", or "no-op" for the
few requests the protocol answers 2xx without doing anything (an id the client already used, an
empty push); those still count toward the unchanged database.

Only faults serde or the handler refuse before any mutation runs belong here. Hostile but
well-formed mutations (which the server records as refusals, changing the database) are in
`hostile.py`.
"""

import copy
import json
import random
from dataclasses import dataclass, field

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)


@dataclass
class Case:
    kind: str
    what: str
    method: str = "POST"
    target: str = PUSH
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    raw: bytes = None
    half_close: bool = False
    expect: str = "4xx"

    def summary(self, limit=300):
        body = (self.raw if self.raw is not None else self.body) or b""
        shown = body[:limit] + (b"..." if body and len(body) > limit else b"")
        return f"{self.method} {self.target[:limit]} {dict((k, v[:60] if v else v) for k, v in self.headers.items())} body[{len(body)}]={shown!r}"


def auth(token):
    return {"authorization": f"Bearer {token}", "content-type": "application/json"}


def templates(fx, rng):
    """One valid mutation of each kind, as the admin's client would push it."""
    c, items = fx["public"]["uuid"], fx["item_uuids"]
    return {
        "create_collection": {"collection": uuid(rng), "project": fx["project"]["uuid"], "hex_id": "%024x" % rng.getrandbits(96),
                              "title": "Fuzz made", "description": "", "private": False, "theme": "green"},
        "update_collection": {"collection": c, "patch": {"title": "Fuzz renamed", "description": "d", "private": False, "theme": "pink"}},
        "delete_collection": {"collection": c},
        "add_items": {"collection": c, "items": items[20:23], "positions": ["a5", "a6", "a7"], "cls": [1, 1, 1]},
        "remove_items": {"collection": c, "items": items[0:2], "cls": [2, 2]},
        "set_note": {"collection": c, "item": items[0], "note": "n"},
        "move_item": {"collection": c, "item": items[0], "position": "a3"},
        "tag_items": {"items": items[:3], "tags": ["fuzz"]},
        "untag_items": {"items": items[:3], "tags": ["fuzz"]},
    }


# Keys a valid mutation may leave out (`cls` defaults to empty, a patch sets only what it names)
# and keys that may be null (the patch's fields are options).
OPTIONAL = {("args", "cls"), ("args", "patch", "title"), ("args", "patch", "description"), ("args", "patch", "private"), ("args", "patch", "theme")}


def uuid(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def push_body(fx, rng, n=None, start=None, client="fuzz-admin"):
    """A valid push of 1 to 3 mutations that would apply as the admin's next ones."""
    t = templates(fx, rng)
    n = n or rng.choice([1, 1, 1, 2, 3])
    start = fx["next_id"] if start is None else start
    names = [rng.choice(sorted(t)) for _ in range(n)]
    return {"client_id": client, "mutations": [{"id": start + i, "mutation": {"name": nm, "args": copy.deepcopy(t[nm])}} for i, nm in enumerate(names)]}


def enc(obj):
    return json.dumps(obj, ensure_ascii=False).encode()


def kind_of(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    return {int: "int", float: "float", str: "str", list: "list", dict: "dict"}[type(v)]


PALETTE = [None, True, False, 0, -1, 7, 1.5, "", "x", "a0", [], [1], ["x"], {}, {"a": 1}]


def walk(v, path=()):
    yield path, v
    if isinstance(v, dict):
        for k, x in v.items():
            yield from walk(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from walk(x, path + (i,))


def set_at(obj, path, value):
    if not path:
        return value
    obj = copy.deepcopy(obj)
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return obj


def del_at(obj, path):
    obj = copy.deepcopy(obj)
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    del cur[path[-1]]
    return obj


def mutation_path(path):
    """The part of a body path inside one mutation object (`("args", "patch", "title")`)."""
    return tuple(path[3:]) if len(path) >= 3 and path[0] == "mutations" and path[2] == "mutation" else None


# ---------------------------------------------------------------- random generators


def wrong_type(fx, rng):
    body = push_body(fx, rng)
    path, value = rng.choice(list(walk(body)))
    inner = mutation_path(path)
    choices = [x for x in PALETTE if kind_of(x) != kind_of(value) and not (x is None and inner in OPTIONAL)]
    new = rng.choice(choices)
    return Case("wrong-type", f"{'/'.join(map(str, path)) or 'the body'}: {value!r:.40} -> {new!r}", headers=auth(fx["admin"]), body=enc(set_at(body, path, new)))


def missing_field(fx, rng):
    body = push_body(fx, rng)
    keys = [p for p, _ in walk(body) if p and isinstance(p[-1], str) and mutation_path(p) not in OPTIONAL]
    path = rng.choice(keys)
    return Case("missing-field", f"without {'/'.join(map(str, path))}", headers=auth(fx["admin"]), body=enc(del_at(body, path)))


def unknown_field(fx, rng):
    body = push_body(fx, rng)
    key = rng.choice(["extra", "clientId", "client_id ", "CLIENT_ID", "__proto__", "mutation_count", "x" * 300])
    if rng.random() < 0.5:
        body[key] = rng.choice(PALETTE)
        where = "the body"
    else:
        body["mutations"][0][key] = rng.choice(PALETTE)
        where = "a pushed mutation"
    return Case("unknown-field", f"{key[:20]!r} in {where}", headers=auth(fx["admin"]), body=enc(body))


def unknown_name(fx, rng):
    body = push_body(fx, rng, n=1)
    m = body["mutations"][0]["mutation"]
    name = rng.choice(["", " ", "AddItems", "add-items", "ADD_ITEMS", m["name"] + " ", " " + m["name"], m["name"] + "\u0000",
                       "addItems", "add_item", "drop_table", "create_collection2", "é", "x" * 10_000, m["name"].upper()])
    m["name"] = name
    return Case("unknown-name", f"mutation name {name[:30]!r}", headers=auth(fx["admin"]), body=enc(body))


def mismatched_args(fx, rng):
    t = templates(fx, rng)
    required = {n: {k for k in a if ("args", k) not in OPTIONAL} for n, a in t.items()}
    pairs = [(a, b) for a in t for b in t if a != b and not required[a] <= set(t[b])]
    name, source = rng.choice(pairs)
    body = {"client_id": "fuzz-admin", "mutations": [{"id": fx["next_id"], "mutation": {"name": name, "args": t[source]}}]}
    return Case("args-of-another", f"{name} with the args of {source}", headers=auth(fx["admin"]), body=enc(body))


def bad_number(fx, rng):
    body = push_body(fx, rng, n=1)
    literal = rng.choice(["9223372036854775808", "-9223372036854775809", "1e400", "-1e400", "1e3", "1.0", "1" + "0" * 5000,
                          "0x10", "01", "+1", "1.", ".5", "Infinity", "-Infinity", "NaN", "-", "1e", "18446744073709551616"])
    where = rng.choice(["id", "cls"])
    if where == "cls":
        body["mutations"][0]["mutation"] = {"name": "add_items", "args": templates(fx, rng)["add_items"]}
        body["mutations"][0]["mutation"]["args"]["cls"][rng.randrange(3)] = "@@NUM@@"
        if rng.random() < 0.5:
            literal = rng.choice(["-1", "4294967296", "1e10", "-0.5", literal])
    else:
        body["mutations"][0]["id"] = "@@NUM@@"
    text = enc(body).replace(b'"@@NUM@@"', literal.encode())
    return Case("number-out-of-range", f"{where} = {literal[:30]}", headers=auth(fx["admin"]), body=text)


def truncated(fx, rng):
    text = enc(push_body(fx, rng))
    cut = rng.randrange(0, len(text))
    return Case("truncated", f"the first {cut} of {len(text)} bytes", headers=auth(fx["admin"]), body=text[:cut])


def bad_syntax(fx, rng):
    text = enc(push_body(fx, rng, n=1)).decode()
    how = rng.choice(["trailing", "single-quotes", "trailing-comma", "comment", "duplicate-key", "bare-value", "bom", "unquoted-key", "missing-colon"])
    if how == "trailing":
        text += rng.choice(["x", "}", ",", "{}", "\u0000", "//c", "]", "\"\"", " 1"])
    elif how == "single-quotes":
        text = text.replace('"', "'")
    elif how == "trailing-comma":
        i = rng.choice([i for i, ch in enumerate(text) if ch in "}]"])
        text = text[:i] + "," + text[i:]
    elif how == "comment":
        text = text[:1] + "/* c */" + text[1:]
    elif how == "duplicate-key":
        body = json.loads(text)
        if rng.random() < 0.5:
            text = text[:1] + f'"client_id": {json.dumps(body["client_id"])}, ' + text[1:]
        else:
            m = json.dumps(body["mutations"][0])
            text = text.replace(m, m[:1] + f'"id": {body["mutations"][0]["id"]}, ' + m[1:])
    elif how == "bare-value":
        text = rng.choice(["", " ", "null", "true", "0", "\"push\"", "[]", "{}", "[{}]", "{\"client_id\": \"fuzz-admin\"}", "{\"mutations\": []}"])
    elif how == "bom":
        text = "\ufeff" + text
    elif how == "unquoted-key":
        text = text.replace('"client_id"', "client_id")
    elif how == "missing-colon":
        text = text.replace('"client_id":', '"client_id"')
    return Case("bad-syntax", how, headers=auth(fx["admin"]), body=text.encode())


def deep_nesting(fx, rng):
    depth = rng.choice([129, 1000, 100_000, 100_000, 1_000_000])
    shape = rng.choice(["open-arrays", "balanced-arrays", "objects", "in-client-id", "in-args"])
    if shape == "open-arrays":
        body = b"[" * depth
    elif shape == "balanced-arrays":
        body = b"[" * depth + b"]" * depth
    elif shape == "objects":
        body = b'{"a":' * depth + b"1" + b"}" * depth
    else:
        nest = b"[" * depth + b"]" * depth
        good = push_body(fx, rng, n=1)
        if shape == "in-client-id":
            good["client_id"] = "@@NEST@@"
        else:
            good["mutations"][0]["mutation"]["args"][rng.choice(sorted(good["mutations"][0]["mutation"]["args"]))] = "@@NEST@@"
        body = enc(good).replace(b'"@@NEST@@"', nest)
    return Case("deep-nesting", f"{shape}, depth {depth}", headers=auth(fx["admin"]), body=body)


BAD_BYTES = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xe2\x82", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xf4\x90\x80\x80"]
BAD_ESCAPES = [b"\\ud800", b"\\udfff", b"\\ud800\\u0041", b"\\u0x", b"\\x41", b"\\q", b"\x01", b"\n", b"\t", b"\\u12g4"]


def bad_utf8(fx, rng):
    body = push_body(fx, rng, n=1)
    strings = [p for p, v in walk(body) if isinstance(v, str)]
    path = rng.choice(strings)
    bad = rng.choice(BAD_BYTES + BAD_ESCAPES)
    marker = "@@BAD@@"
    value = dict(walk(body))[path]
    at = rng.randrange(len(value) + 1)
    body = set_at(body, path, value[:at] + marker + value[at:])
    text = enc(body).replace(marker.encode(), bad)
    if rng.random() < 0.15:  # in a key instead
        text = text.replace(b'"client_id"', b'"client' + bad + b'_id"', 1)
    return Case("bad-utf8", f"{bad!r} in {'/'.join(map(str, path))}", headers=auth(fx["admin"]), body=text)


RANDOM = [wrong_type, wrong_type, wrong_type, missing_field, missing_field, unknown_field, unknown_name, mismatched_args,
          bad_number, truncated, truncated, bad_syntax, deep_nesting, bad_utf8, bad_utf8]


# ---------------------------------------------------------------- fixed cases


def fixed(fx, rng):
    """The cases every run sends once: ids, client ids, content types, auth, methods, sizes, pulls."""
    admin, bob = fx["admin"], fx["bob"]

    def valid():
        """A push that would apply as the admin's next (read when the case is made: the runner
        moves `next_id` on if a case was applied by mistake)."""
        return push_body(fx, rng, n=1)

    # Mutation ids.
    for bad in [0, -1, -7, I64_MIN]:
        b = push_body(fx, rng, n=2, start=bad, client=f"fz-{rng.getrandbits(32):08x}")
        yield Case("mutation-id", f"a new client starting at {bad}", headers=auth(admin), body=enc(b))
    for gap in [1, 2, 1000, 2**31, 2**53 + 1, I64_MAX]:
        gap = min(fx["next_id"] + gap, I64_MAX) if gap < 2**31 else gap
        yield Case("mutation-id", f"a gap: {gap} after {fx['next_id'] - 1}", headers=auth(admin), body=enc(push_body(fx, rng, start=gap)))
    b = push_body(fx, rng, n=2)
    b["mutations"][1]["id"] = b["mutations"][0]["id"] + 5
    b["mutations"].reverse()
    yield Case("mutation-id", "a gap first, then the next id", headers=auth(admin), body=enc(b))
    for used in [fx["next_id"] - 1, 0, -1, I64_MIN]:
        yield Case("mutation-id", f"{used}, at or below the last applied id {fx['next_id'] - 1}", headers=auth(admin), body=enc(push_body(fx, rng, n=1, start=used)), expect="no-op")

    # Client ids.
    for cid in ["", " ", "a" * 65, "a b", "a/b", "../x", "ü", "a\u0000", "a\n", "fuzz-admin ", " fuzz-admin", "fuzz_admin", "a" * 1_000_000,
                "😀", "a.b", "%41"]:
        b = dict(valid(), client_id=cid)
        yield Case("client-id", f"client id {cid[:20]!r} ({len(cid)} chars)", headers=auth(admin), body=enc(b))
    yield Case("client-id", "the admin pushing as bob's client", headers=auth(admin), body=enc(dict(push_body(fx, rng, n=1, start=2), client_id="fuzz-bob")))
    yield Case("client-id", "bob pushing as the admin's client", headers=auth(bob), body=enc(valid()))
    for cid in ["", "a" * 65, "a b"]:
        yield Case("client-id", f"an empty push with client id {cid[:10]!r}", headers=auth(admin), body=enc({"client_id": cid, "mutations": []}), expect="no-op")

    # Content types (the body is a valid next push: it must be refused for the header alone).
    for ct in [None, "", "text/plain", "text/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
               "application/xml", "application/octet-stream", "application", "json", "application/jsonp", "application/json5",
               "image/png", "*/*"]:
        h = auth(admin)
        h["content-type"] = ct
        yield Case("content-type", f"content-type {ct!r}", headers=h, body=enc(valid()))

    # Authentication (a valid next push again).
    for a in [None, "", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + admin + "x", "Bearer " + admin[:-1], "Basic YWRtaW46YWRtaW4=",
              "Token " + admin, admin, "Bearer " + admin + " " + admin, "Bearer \u00e9", "Bearer " + "a" * 100_000]:
        h = {"content-type": "application/json", "authorization": a}
        yield Case("auth", f"authorization {a[:24] if a else a!r}", headers=h, body=enc(valid()))
    yield Case("auth", "x-api-key wrong", headers={"content-type": "application/json", "x-api-key": "nope"}, body=enc(valid()))
    yield Case("auth", "a bad token before a good one", raw=(
        f"POST {PUSH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer nope\r\n"
        f"authorization: Bearer {admin}\r\ncontent-length: {len(enc(valid()))}\r\n\r\n").encode() + enc(valid()))

    # Methods and paths.
    for m in ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]:
        yield Case("method", f"{m} on push", method=m, headers=auth(admin), body=enc(valid()))
    for m in ["POST", "PUT", "DELETE", "PATCH"]:
        yield Case("method", f"{m} on pull", method=m, target=f"{PULL}?project={fx['project']['uuid']}&client_id=fuzz-admin", headers=auth(admin), body=enc(valid()))
    for p in ["/api/v1/sync/push/", "/api/v1/sync//push", "/api/v1/SYNC/PUSH", "/api/v1/sync/push%00", "/api/v1/sync/pushx", "/api/v2/sync/push",
              "/api/v1/sync/../sync/push/x", "/api/v1/sync/push/" + "a" * 10_000]:
        yield Case("path", f"POST {p[:40]}", target=p, headers=auth(admin), body=enc(valid()))

    # Sizes.
    many = {"client_id": "fuzz-admin", "mutations": [{"id": fx["next_id"] + i, "mutation": {"name": "set_note", "args": {
        "collection": fx["public"]["uuid"], "item": fx["item_uuids"][0], "note": "x"}}} for i in range(1001)]}
    yield Case("size", "1001 mutations (at most 1000)", headers=auth(admin), body=enc(many))
    many["mutations"] = many["mutations"] * 200
    yield Case("size", f"{len(many['mutations'])} mutations", headers=auth(admin), body=enc(many))
    yield Case("size", "a 10 MB client id", headers=auth(admin), body=enc(dict(valid(), client_id="a" * 10_000_000)))
    yield Case("size", "a 70 MB body (over the 64 MiB limit)", headers=auth(admin), body=b'{"client_id": "' + b"a" * 70_000_000 + b'", "mutations": []}')
    b = push_body(fx, rng, n=1)
    b["mutations"][0]["mutation"] = {"name": "add_items", "args": {"collection": fx["public"]["uuid"], "items": "@@ITEMS@@", "positions": [], "cls": []}}
    yield Case("size", "3M numbers where item ids go", headers=auth(admin), body=enc(b).replace(b'"@@ITEMS@@"', b"[" + b"0," * 3_000_000 + b"0]"))
    yield Case("size", "Content-Length 100 GB, 20 bytes sent", raw=(
        f"POST {PUSH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer {admin}\r\n"
        f"content-length: 100000000000\r\n\r\n").encode() + b'{"client_id": "fuzz-', half_close=True)
    yield Case("size", "Content-Length larger than the body", raw=(
        f"POST {PUSH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer {admin}\r\n"
        f"content-length: {len(enc(valid())) + 10}\r\n\r\n").encode() + enc(valid()), half_close=True)
    yield Case("size", "a chunked body cut short", raw=(
        f"POST {PUSH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer {admin}\r\n"
        f"transfer-encoding: chunked\r\n\r\n").encode() + b"ffff\r\n" + enc(valid()), half_close=True)
    yield Case("size", "a chunked body with a bad chunk size", raw=(
        f"POST {PUSH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer {admin}\r\n"
        f"transfer-encoding: chunked\r\n\r\n").encode() + b"zz\r\n" + enc(valid()) + b"\r\n0\r\n\r\n", half_close=True)

    # Pulls: read-only, but every malformed one must be a 4xx all the same.
    q = {"project": fx["project"]["uuid"], "client_id": "fuzz-admin"}

    def pull(what, params, token=admin, expect="4xx", raw_query=None):
        from urllib.parse import urlencode
        query = raw_query if raw_query is not None else urlencode(params)
        return Case("pull", what, method="GET", target=f"{PULL}?{query}" if query else PULL, headers={"authorization": f"Bearer {token}"} if token else {},
                    body=None, expect=expect)

    yield pull("no query", {})
    yield pull("no project", {"client_id": "fuzz-admin"})
    yield pull("no client id", {"project": q["project"]})
    yield pull("no token", q, token=None)
    yield pull("a wrong token", q, token="nope")
    for k, v in [("project", ""), ("project", "x"), ("project", uuid(rng)), ("project", "x" * 100_000), ("project", q["project"].upper()),
                 ("client_id", ""), ("client_id", "a b"), ("client_id", "a" * 65), ("client_id", "fuzz-bob"), ("client_id", "ü"),
                 ("cookie", "abc"), ("cookie", "1.5"), ("cookie", "9223372036854775808"), ("cookie", ""), ("cookie", "-"), ("cookie", "1e3"),
                 ("limit", "0"), ("limit", "-1"), ("limit", "50001"), ("limit", "9223372036854775808"), ("limit", "x"), ("limit", ""),
                 ("pending_from", "x"), ("pending_from", "1.5"), ("pending_from", "9223372036854775808"), ("unknown", "1"), ("Project", "x")]:
        yield pull(f"{k}={v[:20]!r}", dict(q, **{k: v}))
    for k, v in [("cookie", "-1"), ("cookie", str(I64_MAX)), ("cookie", str(I64_MIN)), ("pending_from", "-1"), ("pending_from", str(I64_MAX)),
                 ("limit", "1"), ("limit", "50000"), ("cookie", "0")]:
        yield pull(f"{k}={v} (answered, changes nothing)", dict(q, **{k: v}), expect="no-op")
    base = f"project={q['project']}&client_id=fuzz-admin"
    for raw_q in [base + "&project=" + q["project"], base + "&cookie=%zz", base + "&cookie=%ff%fe", "project=%ff&client_id=fuzz-admin",
                  base + "&" + "x" * 1_000_000, base + "&cookie", "&&&", base.replace("=", "%3D"), base + "&limit=1&limit=2"]:
        yield pull(f"query {raw_q[len(base) if raw_q.startswith(base) else 0:][:30]!r}", None, raw_query=raw_q)
    if fx.get("hidden_project"):
        yield pull("bob pulling a project he has no role in", dict(q, project=fx["hidden_project"], client_id="fuzz-bob"), token=bob)
    yield pull("bob pulling the admin's project with the admin's client id", q, token=bob)


def cases(fx, seed, count):
    """The fixed cases, then random ones up to `count` in all; the same seed gives the same bytes
    (as long as the server refuses them all). Made one at a time, as they are sent."""
    rng = random.Random(seed)
    n = 0
    for case in fixed(fx, rng):
        n += 1
        yield case
    while n < count:
        n += 1
        yield rng.choice(RANDOM)(fx, rng)
