"""Hostile but well-formed requests: JSON the server parses, carrying what an attacker would put
in it (huge strings and arrays, control characters, ids of things the caller cannot see,
causal lengths at the edge of their range, keys the server should bound), plus one probe per
flaw the security review found. Unlike `malformed.py` these may change the database (a refused
mutation is recorded and advances the client's id); what they owe is an answer below 500 with
the error shape on a 4xx, and a server that keeps running.

`steps(fx, rng)` yields `Step`s in order; a push step's mutation id is filled in when it is sent
(the client's next id, from the previous answer). The step that may crash today's server (a
200,000-character position followed by an append) comes last.
"""

import json

from malformed import templates, uuid

PUSH = "/api/v1/sync/push"


class Step:
    def __init__(self, kind, what, method="POST", path=PUSH, token="admin", body=None, mutation=None, client="fuzz-admin", expect="lt500"):
        self.kind, self.what, self.method, self.path = kind, what, method, path
        self.token, self.body, self.mutation, self.client, self.expect = token, body, mutation, client, expect

    def request_body(self, next_id):
        if self.mutation is not None:
            return {"client_id": self.client, "mutations": [{"id": next_id, "mutation": self.mutation}]}
        return self.body


def m(name, **args):
    return {"name": name, "args": args}


def steps(fx, rng):
    t = templates(fx, rng)

    def create(**over):
        """A create_collection with fresh ids (so only what `over` sets can collide)."""
        args = dict(t["create_collection"], collection=uuid(rng), hex_id="%024x" % rng.getrandbits(96))
        args.update(over)
        return m("create_collection", **args)
    pub, priv, items = fx["public"]["uuid"], fx["private"]["uuid"], fx["item_uuids"]

    # Huge strings in every string argument of every mutation (positions excepted: a long one
    # is the crash probe at the end).
    for n in [100_000, 2_000_000]:
        for name, args in sorted(t.items()):
            for key, value in sorted(args.items()):
                if key in ("positions", "position"):
                    continue
                huge = "x" * n
                if isinstance(value, str):
                    new = dict(args, **{key: huge})
                elif isinstance(value, list) and value and isinstance(value[0], str):
                    new = dict(args, **{key: [huge] + value[1:]})
                elif isinstance(value, dict):
                    new = dict(args, **{key: {k: huge if isinstance(v, str) else v for k, v in value.items()}})
                else:
                    continue
                mutation = create(**{k: v for k, v in new.items() if k in (key, "title")}) if name == "create_collection" else m(name, **new)
                yield Step("huge-string", f"{name}.{key} of {n:,} characters", mutation=mutation)

    # Huge arrays.
    many = [uuid(rng) for _ in range(100_000)]
    yield Step("huge-array", "add_items of 100,000 unknown items", mutation=m("add_items", collection=pub, items=many, positions=[f"a{i % 10}" for i in range(100_000)]))
    yield Step("huge-array", "remove_items of 100,000 unknown items", mutation=m("remove_items", collection=pub, items=many))
    yield Step("huge-array", "tag_items with 100,000 tags", mutation=m("tag_items", items=items[:2], tags=[f"t{i}" for i in range(100_000)]))
    yield Step("huge-array", "untag_items of 100,000 items", mutation=m("untag_items", items=many, tags=["fuzz"]))
    yield Step("huge-array", "add_items of 1,000,000 one-character ids", mutation=m("add_items", collection=pub, items=["x"] * 1_000_000, positions=[]))

    # Lengths that disagree, causal lengths at the edges.
    yield Step("lengths", "add_items with fewer positions than items", mutation=m("add_items", collection=pub, items=items[20:25], positions=["a5"]))
    yield Step("lengths", "add_items with more positions than items", mutation=m("add_items", collection=pub, items=items[20:21], positions=["a5", "a6", "a7"]))
    yield Step("lengths", "add_items with more cls than items", mutation=m("add_items", collection=pub, items=items[20:21], positions=["a5"], cls=[1, 3, 5]))
    yield Step("lengths", "add_items with an even cl", mutation=m("add_items", collection=pub, items=items[21:22], positions=["a6"], cls=[2]))
    yield Step("lengths", "add_items with cl 0", mutation=m("add_items", collection=pub, items=items[21:22], positions=["a6"], cls=[0]))
    yield Step("lengths", "remove_items with an odd cl", mutation=m("remove_items", collection=pub, items=items[0:1], cls=[3]))
    yield Step("cl-overflow", "add_items with cl 4294967295 (u32::MAX)", mutation=m("add_items", collection=pub, items=items[30:31], positions=["a8"], cls=[4294967295]))
    yield Step("cl-overflow", "then remove_items without cls (the server takes the next length)", mutation=m("remove_items", collection=pub, items=items[30:31]))
    yield Step("cl-overflow", "then add_items without cls", mutation=m("add_items", collection=pub, items=items[30:31], positions=["a8"]))
    yield Step("cl-overflow", "remove_items with cl 4294967294 on a fresh pair", mutation=m("remove_items", collection=pub, items=items[31:32], cls=[4294967294]))
    yield Step("cl-overflow", "then add_items without cls", mutation=m("add_items", collection=pub, items=items[31:32], positions=["a9"]))

    # Strange characters.
    for s in ["a\u0007b", "\u0000", "\u202eevil", "\ufeff", "a\nb", "\t", " ", "\U0001f600" * 30, "\u0301" * 61, "<script>", "'; DROP TABLE items; --"]:
        yield Step("characters", f"create_collection titled {s[:12]!r}", mutation=create(title=s))
        yield Step("characters", f"set_note {s[:12]!r}", mutation=m("set_note", collection=pub, item=items[0], note=s))
        yield Step("characters", f"tag {s[:12]!r}", mutation=m("tag_items", items=items[:1], tags=[s]))

    # Ids of the wrong thing, of things the caller cannot see, malformed ids.
    for what, cid in [("the project's uuid", fx["project"]["uuid"]), ("an item's uuid", items[0]), ("the private collection's hex id", fx["private"]["hex_id"]),
                      ("a slug", fx["public"]["slug"]), ("an empty id", ""), ("an uppercase uuid", pub.upper()), ("a uuid with spaces", f" {pub} ")]:
        yield Step("wrong-id", f"set_note on {what}", mutation=m("set_note", collection=cid, item=items[0], note="n"))
        yield Step("wrong-id", f"delete_collection of {what}", mutation=m("delete_collection", collection=cid))
    yield Step("access", "bob (viewer) updates the public collection", token="bob", client="fuzz-bob", mutation=m("update_collection", collection=pub, patch={"title": "mine"}))
    yield Step("access", "bob (viewer) adds to the admin's private collection", token="bob", client="fuzz-bob", mutation=m("add_items", collection=priv, items=items[:3], positions=["a1", "a2", "a3"]))
    yield Step("access", "bob (viewer) deletes the admin's private collection", token="bob", client="fuzz-bob", mutation=m("delete_collection", collection=priv))
    yield Step("access", "bob (viewer) creates a collection in the admin's project", token="bob", client="fuzz-bob",
               mutation=create())
    yield Step("access", "bob (viewer) tags every item", token="bob", client="fuzz-bob", mutation=m("tag_items", items=items, tags=["bob"]))

    # create_collection with ids that exist.
    yield Step("create-ids", "create_collection reusing the public collection's uuid", mutation=create(collection=pub))
    yield Step("create-ids", "create_collection reusing the public collection's hex id", mutation=create(hex_id=fx["public"]["hex_id"], title="Fuzz hex"))
    yield Step("create-ids", "create_collection with bob's private collection's hex id (issue 9, finding 8)",
               mutation=create(hex_id=fx["bobs_private"]["hex_id"], title="Fuzz probe"))
    yield Step("create-ids", "bob creates a collection in his project with the hex id of the admin's private collection he cannot see (finding 8)",
               token="bob", client="fuzz-bob", mutation=create(project=fx["bobs_project"]["uuid"] or uuid(rng), hex_id=fx["private"]["hex_id"], title="Bob probe"))
    yield Step("create-ids", "bob creates one with an unused hex id, for comparison", token="bob", client="fuzz-bob",
               mutation=create(project=fx["bobs_project"]["uuid"] or uuid(rng), title="Bob fresh"))
    for hx in ["", "zz", "0" * 23, "0" * 25, "A" * 24, "g" * 24, "0" * 1000]:
        yield Step("create-ids", f"create_collection with hex id {hx[:26]!r}", mutation=create(hex_id=hx, title=f"Fuzz hex {len(hx)}"))
    yield Step("create-ids", "create_collection in bob's project", mutation=create(project=fx["bobs_project"]["uuid"] or uuid(rng)))

    # Positions that are not keys (short ones; the long one is last).
    for pos in ["", "!", "a", "A", "a0 ", "Zzzzzzzzzzzzzzzzzzzzzzzzzzzz", "\u00e9", "a" + "0" * 1000]:
        yield Step("positions", f"move_item to {pos[:16]!r}", mutation=m("move_item", collection=pub, item=items[0], position=pos))
        yield Step("positions", f"add_items at {pos[:16]!r}", mutation=m("add_items", collection=pub, items=items[40:41], positions=[pos]))

    # Unknown or doubled fields inside a mutation, which serde may ignore.
    body = {"client_id": "fuzz-admin", "mutations": [{"id": "@@ID@@", "mutation": {"name": "set_note", "args": {"collection": pub, "item": items[0], "note": "u", "extra": 1}}}]}
    yield Step("lenient", "an unknown field inside args", body=body)
    body = {"client_id": "fuzz-admin", "mutations": [{"id": "@@ID@@", "mutation": {"name": "set_note", "extra": 1, "args": {"collection": pub, "item": items[0], "note": "u"}}}]}
    yield Step("lenient", "an unknown field beside name and args", body=body)
    yield Step("lenient", "update_collection with an unknown patch field", mutation=m("update_collection", collection=pub, patch={"titel": "x"}))
    raw = '{"client_id": "fuzz-admin", "mutations": [{"id": @@ID@@, "mutation": {"name": "set_note", "name": "delete_collection", "args": {"collection": "%s", "item": "%s", "note": "d"}}}]}' % (pub, items[0])
    yield Step("lenient", "a doubled name inside a mutation", body=raw)

    # REST routes the sync fuzzer owns the probes of (issue 9, finding 9: long filters).
    pid = fx["project"]["id"]
    # Compact JSON with only the quotes escaped: hyper takes `{}[]:,` in a query, and a URI
    # must stay under 64 KiB.
    for n in [100, 999, 1000, 1100]:
        f = json.dumps({"clauses": [{"cond": {"field": "labeled", "value": True}}] * n}, separators=(",", ":")).replace('"', "%22")
        yield Step("filter", f"items filtered by {n} clauses (issue 9, finding 9)", method="GET", path=f"/api/v1/projects/{pid}/items?filter={f}")
    f = json.dumps({"clauses": [{"cond": {"field": "tags", "tags": [f"t{i}" for i in range(4000)], "mode": "any"}}]}, separators=(",", ":")).replace('"', "%22")
    yield Step("filter", "items filtered by one clause of 4,000 tags", method="GET", path=f"/api/v1/projects/{pid}/items?filter={f}")
    f = json.dumps({"clauses": [{"cond": {"field": "datasets", "ids": list(range(9000))}}]}, separators=(",", ":")).replace('"', "%22")
    yield Step("filter", "items filtered by one clause of 9,000 dataset ids", method="GET", path=f"/api/v1/projects/{pid}/items?filter={f}")

    # Last: the crash of issue 9, finding 1 — a 200,000-character key, then an append.
    yield Step("crash-probe", "create a collection for the long key", method="POST", path=f"/api/v1/projects/{pid}/collections", body={"title": "Fuzz long keys"})
    yield Step("crash-probe", "add_items at position 'z' * 200,000 + '1' (issue 9, finding 1)", mutation=m("add_items", collection="@@LONGKEY@@", items=items[0:1], positions=["z" * 200_000 + "1"]))
    yield Step("crash-probe", "append an item to that collection over REST (the server computes the key after it)", method="POST", path="@@LONGKEY_ITEMS@@", body={"item": "@@ITEM@@"})
    yield Step("crash-probe", "bulk-append to that collection over REST", method="POST", path="@@LONGKEY_ITEMS@@/bulk-add", body={"items": "@@ITEMS@@"})
