"""The real `supervisely` SDK (6.74.51) against trove-server: the calls of Supervisely's
collections guide, run unchanged, and every error case of the wire contract
(../shared/specs/supervisely-collections-api.md)."""

import json
import urllib.error
import urllib.request
import uuid

import pytest
import requests
import supervisely as sly
from supervisely.api.entities_collection_api import CollectionItem


def api_for(trove, token):
    # Few retries: a 5xx would make the SDK retry (and sleep); the tests must never see one.
    return sly.Api(server_address=trove.url, token=token, retry_count=1, ignore_task_id=True)


@pytest.fixture(scope="module")
def api(trove):
    return api_for(trove, trove.tokens["alice"])


@pytest.fixture(scope="module")
def project(api):
    """The demo's image project in namespace `lab`, found the way an SDK user finds it."""
    teams = api.team.get_list()
    lab = [t for t in teams if t.name == "lab"]
    assert lab, teams
    workspaces = api.workspace.get_list(lab[0].id)
    assert [w.name for w in workspaces] == ["lab"]
    projects = [p for p in api.project.get_list(workspaces[0].id) if p.type == "images"]
    assert projects, "the demo has an image project"
    return projects[0]


def raw(trove, method, body, token=None):
    """POSTs a raw body; returns (status, parsed JSON)."""
    headers = {"content-type": "application/json"}
    if token:
        headers["x-api-key"] = token
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"{trove.url}/public/api/v3/{method}", data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def unique(name):
    return f"{name} {uuid.uuid4().hex[:8]}"


def test_instance_version_and_me(api, trove):
    assert api.instance_version == "6.18.3"
    me = api.user.get_my_info()
    assert me.login == "alice" and isinstance(me.id, int)
    # instance.version needs no token (the SDK sends it after a failure, with the bad key).
    assert raw(trove, "instance.version", {})[0] == 200


def test_the_guide_flow(api, project):
    images = api.image.get_list(project_id=project.id)
    assert len(images) == project.images_count > 3
    datasets = api.dataset.get_list(project.id)
    assert sum(len(api.image.get_list(d.id)) for d in datasets) == len(images)
    assert api.project.get_info_by_id(project.id).type == "images"

    # Create, get info, list.
    name = unique("my collection")
    new = api.entities_collection.create(project_id=project.id, name=name, description="my collection description")
    assert isinstance(new.id, int) and new.name == name and new.project_id == project.id
    info = api.entities_collection.get_info_by_id(new.id)
    assert info.name == name and info.description == "my collection description"
    assert name in [c.name for c in api.entities_collection.get_list(project.id)]

    # Add items: ids, then CollectionItems with meta; re-adding is idempotent.
    ids = [i.id for i in images[:3]]
    res = api.entities_collection.add_items(new.id, ids[:2])
    assert [r["entityId"] for r in res] == ids[:2]
    assert all(isinstance(r["id"], int) and r["createdAt"].endswith("Z") for r in res)
    res = api.entities_collection.add_items(new.id, [CollectionItem(entity_id=ids[1], meta=CollectionItem.Meta(score=0.5)), CollectionItem(entity_id=ids[2])])
    assert [r["entityId"] for r in res] == ids[1:3]

    # Get items: the guide's call (its second argument lands in collection_type), with the
    # collection filter by project and by dataset, and the exclude filter over the raw API.
    got = api.entities_collection.get_items(new.id, project.id)
    assert sorted(i.id for i in got) == sorted(ids)
    got = api.image.get_list(project_id=project.id, entities_collection_id=new.id)
    assert sorted(i.id for i in got) == sorted(ids)
    first = [i for i in images if i.id == ids[0]][0]
    got = api.image.get_list(first.dataset_id, entities_collection_id=new.id)
    assert ids[0] in [i.id for i in got] and all(i.dataset_id == first.dataset_id for i in got)

    # Update (partial) and remove items (one not in it: the SDK only warns).
    upd = api.entities_collection.update(new.id, name=name + " v2")
    assert upd.name == name + " v2" and upd.description == "my collection description"
    upd = api.entities_collection.update(new.id, description="d2")
    assert upd.name == name + " v2" and upd.description == "d2"
    api.entities_collection.remove_items(new.id, [ids[0], ids[1], images[5].id])
    assert [i.id for i in api.entities_collection.get_items(new.id, sly.api.entities_collection_api.CollectionTypeFilter.DEFAULT)] == [ids[2]]

    # Remove: afterwards info is None and the list leaves it out.
    api.entities_collection.remove(new.id)
    assert api.entities_collection.get_info_by_id(new.id) is None
    assert new.id not in [c.id for c in api.entities_collection.get_list(project.id)]


def test_pagination_follows_pages(api, trove, project):
    status, body = raw(trove, "images.list", {"projectId": project.id, "per_page": 2, "page": 2, "sort": "id", "sort_order": "asc"}, trove.tokens["alice"])
    assert status == 200 and body["perPage"] == 2 and body["total"] == project.images_count
    assert body["pagesCount"] == (project.images_count + 1) // 2 and len(body["entities"]) == 2
    everything = api.image.get_list(project_id=project.id)
    assert [e["id"] for e in body["entities"]] == [i.id for i in everything[2:4]]


def test_missing_images_are_reported_and_valid_ones_still_added(api, trove, project):
    c = api.entities_collection.create(project.id, unique("missing"))
    image = api.image.get_list(project_id=project.id)[0]
    with pytest.raises(RuntimeError, match="999999999"):
        api.entities_collection.add_items(c.id, [image.id, 999999999])
    assert [i.id for i in api.entities_collection.get_items(c.id, project.id)] == [image.id]
    # An image of another project is missing too.
    hub = [p for p in api.project.get_list(project.workspace_id) if p.id != project.id]
    other = api.image.get_list(project_id=hub[0].id)[0].id if hub and hub[0].images_count else None
    if other is not None:
        status, body = raw(trove, "entities-collections.items.bulk.add", {"collectionId": c.id, "entityIds": [other]}, trove.tokens["alice"])
        assert status == 200 and body == {"items": [], "missing": [other]}
    api.entities_collection.remove(c.id, force=True)


def test_unknown_ids(api, trove):
    assert api.entities_collection.get_info_by_id(987654321) is None
    assert api.project.get_info_by_id(987654321) is None
    for call in [
        lambda: api.entities_collection.update(987654321, name="x"),
        lambda: api.entities_collection.remove(987654321),
        lambda: api.entities_collection.add_items(987654321, [1]),
        lambda: api.entities_collection.create(987654321, "x"),
        lambda: api.dataset.get_list(987654321),
        lambda: api.image.get_list(987654321),
    ]:
        with pytest.raises(requests.exceptions.HTTPError) as e:
            call()
        assert e.value.response.status_code == 404
        body = e.value.response.json()
        assert set(body) == {"error", "details"} and body["details"]["message"]


def test_bad_token_is_401(trove):
    for token in ["nope", "trove_" + "0" * 40]:
        bad = api_for(trove, token)
        with pytest.raises(requests.exceptions.HTTPError) as e:
            bad.user.get_my_info()
        assert e.value.response.status_code == 401
        assert e.value.response.json()["error"] == "Unauthorized"
    assert raw(trove, "users.me", {})[0] == 401


def test_another_namespaces_collection_is_404(api, trove, project):
    c = api.entities_collection.create(project.id, unique("lab only"))
    bob = api_for(trove, trove.tokens["bob"])
    assert bob.entities_collection.get_info_by_id(c.id) is None
    assert bob.project.get_info_by_id(project.id) is None
    assert "lab" not in [t.name for t in bob.team.get_list()]
    for call in [lambda: bob.entities_collection.add_items(c.id, [1]), lambda: bob.entities_collection.remove(c.id),
                 lambda: bob.image.get_list(project_id=project.id, entities_collection_id=c.id)]:
        with pytest.raises(requests.exceptions.HTTPError) as e:
            call()
        assert e.value.response.status_code == 404
    assert api.entities_collection.get_info_by_id(c.id) is not None
    api.entities_collection.remove(c.id)


def test_malformed_bodies_are_4xx(trove, project):
    t = trove.tokens["alice"]
    cases = [
        ("entities-collections.info", b"{not json"),
        ("entities-collections.info", b"[1]"),
        ("entities-collections.info", {}),
        ("entities-collections.info", {"id": "seven"}),
        ("entities-collections.add", {"projectId": project.id}),
        ("entities-collections.add", {"projectId": project.id, "name": "x" * 61}),
        ("entities-collections.add", {"projectId": project.id, "name": ""}),
        ("entities-collections.add", {"projectId": project.id, "name": "y", "type": "weird"}),
        ("entities-collections.items.bulk.add", {"collectionId": 1}),
        ("entities-collections.items.bulk.add", {"collectionId": 1, "entityIds": ["a"]}),
        ("entities-collections.items.bulk.add", {"collectionId": 1, "entityItems": [{"meta": {}}]}),
        ("images.list", {"projectId": None, "datasetId": None}),
        ("images.list", {"projectId": project.id, "per_page": 0}),
        ("images.list", {"projectId": project.id, "filters": [{"type": "objects_class", "data": {}}]}),
        ("no.such.method", {}),
    ]
    for method, body in cases:
        status, answer = raw(trove, method, body, t)
        assert 400 <= status < 500, (method, body, status, answer)
        assert set(answer) == {"error", "details"}, answer
        assert len(answer["details"]["message"]) < 400
    status, _ = raw(trove, "entities-collections.items.bulk.add", {"collectionId": 1, "entityIds": list(range(10001))}, t)
    assert status == 413
