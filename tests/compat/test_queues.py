"""Supervisely's collections guide, the labeling-queue part (issue 12), with the real
`supervisely` SDK (6.74.51) against trove-server: script 1 (random 10 images → a collection → a
labeling queue → add the items), a reviewer accepting some through Trove's native API, then
script 2 (the accepted entities → a new collection → removed from the old one).

The guide's code uses names the real SDK does not have; as the issue says, these run with the
SDK's real ones: `api.entities_collection` (not `entity_collections`), `api.user` (not
`users`), the `int` that `labeling_queue.create` returns (not `queue.id`), and positional
arguments to `add_items`/`remove_items`. Everything else is as the guide wrote it, prints
included (run with `-s` to see them)."""

import random

import requests
import supervisely as sly
from supervisely.api.entities_collection_api import CollectionTypeFilter

DEFAULT = CollectionTypeFilter.DEFAULT


def api_for(trove, token):
    return sly.Api(server_address=trove.url, token=token, retry_count=1, ignore_task_id=True)


def image_project(api):
    lab = [t for t in api.team.get_list() if t.name == "lab"][0]
    workspace = api.workspace.get_list(lab.id)[0]
    return [p for p in api.project.get_list(workspace.id) if p.type == "images"][0]


def native(trove, token, method, path, body=None):
    """One call of Trove's native API (`/api/v1`); returns the parsed JSON, raising on a 4xx/5xx."""
    r = requests.request(method, f"{trove.url}/api/v1{path}", json=body, headers={"authorization": f"Bearer {token}"}, timeout=30)
    r.raise_for_status()
    return r.json()


def script1(api, project_id):
    """Script 1 of the guide, with the SDK's real names."""
    all_images = api.image.get_list(project_id=project_id)

    # let's choose 10 random images
    random_images = random.sample(all_images, 10)

    # create a collection
    collection = api.entities_collection.create(
        project_id=project_id,
        name="Collection 1 for labeling",
    )
    print(f"Collection created: {collection.id}")

    # get my info
    me = api.user.get_my_info()

    # create a labeling queue
    queue = api.labeling_queue.create(
        collection_id=collection.id,
        name="Labeling Queue 1",
        user_ids=[me.id],
        reviewer_ids=[me.id],
        dynamic_classes=True,
        dynamic_tags=True,
        allow_review_own_annotations=True,
        skip_complete_job_on_empty=True,
    )
    print(f"Labeling queue created: {queue}")

    # collection is empty, let's add items
    item_ids = [image.id for image in random_images]
    api.entities_collection.add_items(collection.id, item_ids)
    return collection.id, queue, item_ids


def script2(api, project_id, collection_id, queue_id):
    """Script 2 of the guide, with the SDK's real names."""
    res = api.labeling_queue.get_entities_all_pages(
        queue_id,
        collection_id,
        status="accepted",
    )
    images = res["images"]
    img_ids = [i["id"] for i in images]

    # create a new collection
    new_collection = api.entities_collection.create(
        project_id=project_id,
        name="Collection 2 for training",
    )
    print(f"Collection created: {new_collection.id}")

    # add items to the new collection
    api.entities_collection.add_items(new_collection.id, img_ids)
    # remove items from the old collection
    api.entities_collection.remove_items(collection_id, img_ids)
    return new_collection.id, img_ids


def test_the_guides_two_scripts_with_a_review_between(trove):
    token = trove.tokens["alice"]
    api = api_for(trove, token)
    assert "labeling-queues" in api.post("instance.version", {}).json()["features"]
    project = image_project(api)
    collection_id, queue_id, item_ids = script1(api, project.id)
    assert isinstance(queue_id, int)

    # The queue follows the collection: the 10 items added after it was made are pending (`None`).
    res = api.labeling_queue.get_entities_all_pages(queue_id)
    assert res["total"] == 10 and sorted(i["id"] for i in res["images"]) == sorted(item_ids)
    assert {i["status"] for i in res["images"]} == {None}
    q = native(trove, token, "GET", f"/queues/{queue_id}")
    assert q["counts"] == {"pending": 10, "annotating": 0, "done": 0, "accepted": 0, "rejected": 0}

    # Between the scripts: the annotator claims and submits 5; the reviewer accepts 3 and rejects 1.
    claimed = native(trove, token, "POST", f"/queues/{queue_id}/claim", {"count": 5})
    assert len(claimed) == 5
    for item in claimed:
        native(trove, token, "POST", f"/queues/{queue_id}/items/{item['id']}/submit", {"add": ["labeled"]})
    done = native(trove, token, "GET", f"/queues/{queue_id}/items?status=done")["items"]
    accept = [{"item": i["id"], "submission": i["entry"]["submission"]} for i in done[:3]]
    assert native(trove, token, "POST", f"/queues/{queue_id}/review", {"items": accept, "accept": True}) == {"applied": 3, "refused": []}
    reject = [{"item": done[3]["id"], "submission": done[3]["entry"]["submission"]}]
    assert native(trove, token, "POST", f"/queues/{queue_id}/review", {"items": reject, "accept": False, "comment": "blurry"})["applied"] == 1
    accepted = sorted(i["item"] for i in accept)
    print(f"Accepted through the native API: {accepted}")

    # Statuses on Supervisely's wire, with the status filter ("null" included).
    by_status = {s: sorted(i["id"] for i in api.labeling_queue.get_entities_all_pages(queue_id, status=s)["images"]) for s in ["null", "none", "done", "accepted"]}
    assert by_status["accepted"] == accepted
    assert len(by_status["null"]) == 5 and len(by_status["none"]) == 1 and len(by_status["done"]) == 1
    assert api.labeling_queue.get_entities_all_pages(queue_id, per_page=3)["total"] == 10, "paged by 3: every page fetched"

    new_collection_id, moved = script2(api, project.id, collection_id, queue_id)
    print(f"Moved to collection {new_collection_id}: {sorted(moved)}")
    assert sorted(moved) == accepted
    assert sorted(i.id for i in api.entities_collection.get_items(new_collection_id, DEFAULT, project.id)) == accepted
    left = sorted(i.id for i in api.entities_collection.get_items(collection_id, DEFAULT, project.id))
    assert left == sorted(set(item_ids) - set(accepted))
    # The accepted items left the collection, and the queue keeps them as history.
    q = native(trove, token, "GET", f"/queues/{queue_id}")
    assert q["counts"] == {"pending": 5, "annotating": 0, "done": 1, "accepted": 3, "rejected": 1}
    print(f"Queue {queue_id} counts after script 2: {q['counts']}")

    # Removing the collection is never blocked by its queue; the queue closes with its history.
    api.entities_collection.remove(collection_id)
    q = native(trove, token, "GET", f"/queues/{queue_id}")
    assert q["closed"] and q["counts"] == {"pending": 0, "annotating": 0, "done": 1, "accepted": 3, "rejected": 1}
