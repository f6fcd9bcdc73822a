"""The Hugging Face collections API (../shared/specs/hf-collections-api.md) driven by the real
`huggingface_hub` client: every collections call, every error case, and the collections guide's
code run as written (in a subprocess with HF_ENDPOINT and HF_TOKEN set)."""

import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import BadRequestError, HfHubHTTPError

from conftest import cli


def status(excinfo):
    return excinfo.value.response.status_code


def title(prefix):
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def hf(trove):
    """Clients as alice (admin of `lab`), bob (editor of `other`), anonymous, and with a bad token."""

    class Clients:
        alice = HfApi(endpoint=trove.url, token=trove.tokens["alice"])
        bob = HfApi(endpoint=trove.url, token=trove.tokens["bob"])
        anon = HfApi(endpoint=trove.url, token=False)
        bad = HfApi(endpoint=trove.url, token="trove_" + "x" * 40)

    return Clients


def test_hf_whoami_names_the_user_and_their_organisations(hf):
    me = hf.alice.whoami()
    assert me["name"] == "alice"
    assert [o["name"] for o in me["orgs"]] == ["lab"]
    with pytest.raises(HfHubHTTPError) as e:
        hf.bad.whoami()
    assert status(e) == 401


def test_hf_create_get_update_delete_a_collection(hf):
    t = title("ICCV 2023")
    c = hf.alice.create_collection(t, namespace="lab", description="Portfolio", private=False)
    assert c.title == t and c.owner["name"] == "lab" and c.description == "Portfolio" and c.items == []
    assert c.slug.startswith("lab/iccv-2023-") and len(c.slug.rsplit("-", 1)[1]) == 24
    assert c.private is False and c.theme == "orange" and c.upvotes == 0 and isinstance(c.position, int)
    assert c.last_updated is not None

    # A second create with the same title: 409, or the original unchanged with exists_ok.
    with pytest.raises(HfHubHTTPError) as e:
        hf.alice.create_collection(t, namespace="lab")
    assert status(e) == 409
    again = hf.alice.create_collection(t, namespace="lab", description="other", exists_ok=True)
    assert again.slug == c.slug and again.description == "Portfolio"

    # Public: bob and anonymous readers see it.
    assert hf.bob.get_collection(c.slug).title == t
    assert hf.anon.get_collection(c.slug).title == t

    # Metadata, and the old slug keeps resolving after a rename.
    new_title = title("ICCV Oct. 2023")
    updated = hf.alice.update_collection_metadata(c.slug, title=new_title, description="New", position=0, private=True, theme="pink")
    assert updated.title == new_title and updated.description == "New" and updated.private and updated.theme == "pink"
    assert updated.slug.startswith("lab/iccv-oct-2023-") and updated.slug.endswith(c.slug.rsplit("-", 1)[1])
    assert hf.alice.get_collection(c.slug).slug == updated.slug

    # Private now: 404 for another namespace and for anonymous readers; bob cannot change it.
    for client in (hf.bob, hf.anon):
        with pytest.raises(HfHubHTTPError) as e:
            client.get_collection(c.slug)
        assert status(e) == 404
    with pytest.raises(HfHubHTTPError) as e:
        hf.bob.update_collection_metadata(c.slug, title="Mine")
    assert status(e) == 404
    with pytest.raises(BadRequestError):
        hf.alice.update_collection_metadata(c.slug, theme="plaid")

    hf.alice.delete_collection(updated.slug)
    with pytest.raises(HfHubHTTPError) as e:
        hf.alice.get_collection(c.slug)
    assert status(e) == 404
    with pytest.raises(HfHubHTTPError) as e:
        hf.alice.delete_collection(c.slug)
    assert status(e) == 404
    hf.alice.delete_collection(c.slug, missing_ok=True)


def test_hf_a_collection_keeps_the_place_on_the_owners_page_it_was_given(hf):
    first = hf.alice.create_collection(title("Page first"), namespace="lab")
    last = hf.alice.create_collection(title("Page last"), namespace="lab")
    assert last.position > first.position, "a new collection joins the end of its owner's page"
    moved = hf.alice.update_collection_metadata(last.slug, position=0)
    assert moved.position == 0 and hf.alice.get_collection(last.slug).position == 0
    assert hf.alice.get_collection(first.slug).position == first.position + 1, "the others shift"
    end = hf.alice.update_collection_metadata(last.slug, position=10**6)
    assert end.position >= first.position + 1 and hf.anon.get_collection(last.slug).position <= end.position
    for c in (first, last):
        hf.alice.delete_collection(c.slug)


def test_hf_writes_need_a_valid_token_and_the_callers_namespace(hf):
    with pytest.raises(HfHubHTTPError) as e:
        hf.bad.create_collection(title("Nope"), namespace="lab")
    assert status(e) == 401
    with pytest.raises(HfHubHTTPError) as e:
        hf.anon.create_collection(title("Nope"), namespace="lab")
    assert status(e) == 401
    with pytest.raises(HfHubHTTPError) as e:
        hf.bob.create_collection(title("Nope"), namespace="lab")
    assert status(e) == 403
    with pytest.raises(BadRequestError):
        hf.alice.create_collection("   ", namespace="lab")
    # A public collection of lab: bob may read it, not change it.
    c = hf.alice.create_collection(title("Shared"), namespace="lab")
    for call in (
        lambda: hf.bob.update_collection_metadata(c.slug, title="Mine"),
        lambda: hf.bob.add_collection_item(c.slug, "gpt2", "model"),
        lambda: hf.bob.delete_collection(c.slug),
    ):
        with pytest.raises(HfHubHTTPError) as e:
            call()
        assert status(e) == 403
    with pytest.raises(HfHubHTTPError) as e:
        hf.bad.delete_collection(c.slug)
    assert status(e) == 401
    # Without a namespace, the collection goes to the caller's own (whoami) namespace.
    own = hf.bob.create_collection(title("Bob's"))
    assert own.owner["name"] == "bob"


def test_hf_items_add_update_move_and_remove(hf):
    c = hf.alice.create_collection(title("Items"), namespace="lab")
    c = hf.alice.add_collection_item(c.slug, "coqui/xtts", "space")
    c = hf.alice.add_collection_item(c.slug, "warp-ai/wuerstchen", "model", note="fast")
    c = hf.alice.add_collection_item(c.slug, "lmsys/lmsys-chat-1m", "dataset")
    c = hf.alice.add_collection_item(c.slug, "warp-ai/wuerstchen", "space")
    c = hf.alice.add_collection_item(c.slug, "2306.00637", "paper")
    c = hf.alice.add_collection_item(c.slug, "lab/other-0123456789abcdef01234567", "collection")
    assert [(i.item_id, i.item_type, i.position) for i in c.items] == [
        ("coqui/xtts", "space", 0), ("warp-ai/wuerstchen", "model", 1), ("lmsys/lmsys-chat-1m", "dataset", 2),
        ("warp-ai/wuerstchen", "space", 3), ("2306.00637", "paper", 4), ("lab/other-0123456789abcdef01234567", "collection", 5),
    ]
    assert c.items[1].note == "fast" and c.items[0].note is None

    # Duplicates: 409, or the collection unchanged with exists_ok.
    with pytest.raises(HfHubHTTPError) as e:
        hf.alice.add_collection_item(c.slug, "warp-ai/wuerstchen", "model")
    assert status(e) == 409
    same = hf.alice.add_collection_item(c.slug, "warp-ai/wuerstchen", "model", exists_ok=True)
    assert len(same.items) == 6

    # Bad input: 400, nothing added.
    for item_id, item_type, note in [
        ("gpt2", "repo", None), ("a/b/c", "model", None), ("2306.637", "paper", None), ("not a slug", "collection", None),
        ("gpt2", "model", "x" * 501),
    ]:
        with pytest.raises(BadRequestError):
            hf.alice.add_collection_item(c.slug, item_id, item_type, note=note)
    assert len(hf.alice.get_collection(c.slug).items) == 6
    hf.alice.add_collection_item(c.slug, "gpt2", "model", note="x" * 500)

    # Notes and positions.
    items = hf.alice.get_collection(c.slug).items
    hf.alice.update_collection_item(c.slug, items[2].item_object_id, note="a million conversations")
    with pytest.raises(BadRequestError):
        hf.alice.update_collection_item(c.slug, items[2].item_object_id, note="x" * 501)
    hf.alice.update_collection_item(c.slug, items[3].item_object_id, position=1)
    hf.alice.update_collection_item(c.slug, items[0].item_object_id, position=99)
    after = hf.alice.get_collection(c.slug).items
    assert [i.position for i in after] == list(range(7))
    assert [i.item_object_id for i in after] == [items[k].item_object_id for k in (3, 1, 2, 4, 5, 6, 0)]
    assert after[2].note == "a million conversations"

    with pytest.raises(HfHubHTTPError) as e:
        hf.alice.update_collection_item(c.slug, "0" * 24, note="x")
    assert status(e) == 404

    # Removal, and removing again.
    hf.alice.delete_collection_item(c.slug, items[0].item_object_id)
    with pytest.raises(HfHubHTTPError) as e:
        hf.alice.delete_collection_item(c.slug, items[0].item_object_id)
    assert status(e) == 404
    hf.alice.delete_collection_item(c.slug, items[0].item_object_id, missing_ok=True)
    assert len(hf.alice.get_collection(c.slug).items) == 6


def test_hf_list_collections_by_owner_item_sort_and_limit(hf):
    mine = hf.alice.create_collection(title("Listed"), namespace="lab")
    hf.alice.add_collection_item(mine.slug, "openai/whisper-large-v3", "model")
    for k in range(5):
        hf.alice.add_collection_item(mine.slug, f"org/listed-{k}", "dataset")
    hidden = hf.alice.create_collection(title("Hidden"), namespace="lab", private=True)

    listed = list(hf.anon.list_collections(owner="lab", limit=100))
    slugs = [c.slug for c in listed]
    assert mine.slug in slugs and hidden.slug not in slugs
    entry = next(c for c in listed if c.slug == mine.slug)
    assert len(entry.items) == 4, "list entries carry at most 4 items"
    assert [c.position for c in listed] == list(range(len(listed)))
    assert hidden.slug in [c.slug for c in hf.alice.list_collections(owner="lab")]
    assert hidden.slug not in [c.slug for c in hf.bob.list_collections(owner=["lab", "other"])]

    by_item = [c.slug for c in hf.anon.list_collections(item="models/openai/whisper-large-v3", sort="lastModified")]
    assert mine.slug in by_item
    assert list(hf.anon.list_collections(owner="nobody-here")) == []
    assert len(list(hf.anon.list_collections(limit=1, sort="upvotes"))) == 1
    assert len(list(hf.anon.list_collections(sort="trending", limit=2))) <= 2


def test_hf_malformed_bodies_are_4xx(trove):
    import httpx

    h = {"authorization": f"Bearer {trove.tokens['alice']}", "content-type": "application/json"}
    c = HfApi(endpoint=trove.url, token=trove.tokens["alice"]).create_collection(title("Raw"), namespace="lab")
    cases = [
        ("POST", "/api/collections", "{"),
        ("POST", "/api/collections", '{"namespace": "lab"}'),
        ("POST", "/api/collections", '{"title": 5}'),
        ("PATCH", f"/api/collections/{c.slug}", '{"private": "yes"}'),
        ("PATCH", f"/api/collections/{c.slug}", '{"position": -1}'),
        ("POST", f"/api/collections/{c.slug}/items", '{"item": "gpt2"}'),
        ("POST", f"/api/collections/{c.slug}/items", "[]"),
    ]
    for method, path, body in cases:
        r = httpx.request(method, trove.url + path, headers=h, content=body)
        assert 400 <= r.status_code < 500, (method, path, body, r.status_code, r.text)
        assert isinstance(r.json()["error"], str), r.text


GUIDE = """
from huggingface_hub import create_collection, get_collection, update_collection_item, add_collection_item
from huggingface_hub import delete_collection_item, delete_collection

collection = create_collection(
    title="ICCV 2023",
    description="Portfolio of models, papers and demos I presented at ICCV 2023",
)
assert collection.slug.startswith("{user}/iccv-2023-"), collection.slug
assert collection.title == "ICCV 2023" and collection.owner["name"] == "{user}"

collection = create_collection(title="OS Week Highlights - Sept 18 - 24", namespace="{user}")
collection_slug = collection.slug

add_collection_item(collection.slug, item_id="coqui/xtts", item_type="space")
add_collection_item(
    collection.slug,
    item_id="warp-ai/wuerstchen",
    item_type="model",
    note="Würstchen is a new fast and efficient high resolution text-to-image architecture and model"
)
add_collection_item(collection.slug, item_id="lmsys/lmsys-chat-1m", item_type="dataset")
add_collection_item(collection.slug, item_id="warp-ai/wuerstchen", item_type="space") # same item_id, different item_type

collection = get_collection(collection_slug)
update_collection_item(
    collection_slug=collection_slug,
    item_object_id=collection.items[2].item_object_id,
    note="This dataset contains one million real-world conversations with 25 state-of-the-art LLMs.",
)

collection = get_collection(collection_slug)
update_collection_item(
    collection_slug=collection_slug,
    item_object_id=collection.items[3].item_object_id,
    position=2,
)

collection = get_collection(collection_slug)
delete_collection_item(collection_slug=collection_slug, item_object_id=collection.items[0].item_object_id)

collection = delete_collection("username/useless-collection-64f9a55bb3115b4f513ec026", missing_ok=True)

final = get_collection(collection_slug)
print([(i.item_id, i.item_type, i.position, i.note) for i in final.items])
"""


def test_hf_the_collections_guide_runs_as_written(trove):
    # The guide's own user: `osanseviero`, with a token, next to the demo.
    user = "osanseviero"
    cli(trove.data, "user", "add", user)
    token = cli(trove.data, "token", "create", "--user", user)
    env = {**os.environ, "HF_ENDPOINT": trove.url, "HF_TOKEN": token, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HOME": os.path.join(trove.data, "hf-home")}
    code = textwrap.dedent(GUIDE).replace("{user}", user)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr([
        ("warp-ai/wuerstchen", "model", 0, "Würstchen is a new fast and efficient high resolution text-to-image architecture and model"),
        ("warp-ai/wuerstchen", "space", 1, None),
        ("lmsys/lmsys-chat-1m", "dataset", 2, "This dataset contains one million real-world conversations with 25 state-of-the-art LLMs."),
    ])


def test_hf_the_demo_collection_is_a_hub_collection(hf):
    """The collection `trove-server demo` made through the store is the one the HF API shows."""
    demo = [c for c in hf.anon.list_collections(owner="lab", limit=1000) if any(i.item_id == "warp-ai/wuerstchen" and i.item_type == "model" for i in c.items)]
    assert demo, "the demo's collection is listed"
    full = hf.anon.get_collection(demo[-1].slug)
    first = full.items[0]
    assert (first.item_id, first.item_type, first.position) == ("warp-ai/wuerstchen", "model", 0)
    assert first.note.startswith("Würstchen")
    assert [i.position for i in full.items] == list(range(len(full.items)))


def test_hf_a_token_in_x_api_key_works_too(trove):
    import httpx

    r = httpx.get(trove.url + "/api/whoami-v2", headers={"x-api-key": trove.tokens["bob"]})
    assert r.status_code == 200 and r.json()["name"] == "bob"


def test_hf_list_collections_follows_the_next_page_link(trove):
    """Over 100 collections: the client follows `Link: rel="next"` to the end."""
    cli(trove.data, "user", "add", "pager")
    api = HfApi(endpoint=trove.url, token=cli(trove.data, "token", "create", "--user", "pager"))
    made = {api.create_collection(f"Page {k}", namespace="pager").slug for k in range(105)}
    listed = [c.slug for c in api.list_collections(owner="pager")]
    assert len(listed) == 105 and set(listed) == made
    assert len(list(api.list_collections(owner="pager", limit=102))) == 102
