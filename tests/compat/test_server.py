"""The harness itself: the served data directory holds the demo, readable with a token."""

import json
import urllib.request


def test_the_server_serves_the_demo(trove):
    with urllib.request.urlopen(trove.url + "/api/v1/health") as r:
        assert r.status == 200
    req = urllib.request.Request(trove.url + "/api/v1/projects", headers={"authorization": f"Bearer {trove.tokens['alice']}"})
    with urllib.request.urlopen(req) as r:
        body = json.load(r)
    assert "Photos" in json.dumps(body) or body, body
