"""Schemathesis hooks (loaded through `SCHEMATHESIS_HOOKS=hooks` by `openapi.py`): half of the
generated path parameters are replaced by ids and slugs that exist on the seeded server (the
caller's own, and ones they may not see), so the fuzzer reaches the handlers' logic and the
access checks instead of stopping at 404. The choice is drawn by Hypothesis, so the run's seed
still decides everything.
"""

import json
import os

import schemathesis
from hypothesis import strategies as st

KNOWN = json.loads(os.environ.get("TROVE_FUZZ_KNOWN", "{}"))


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    known = {}
    if "project" in path_parameters and KNOWN.get("project"):
        known["project"] = st.sampled_from(KNOWN["project"])
    if "item" in path_parameters and KNOWN.get("item"):
        known["item"] = st.sampled_from(KNOWN["item"])
    if not known and not ("slug" in path_parameters and KNOWN.get("slug")):
        return st.just(path_parameters)
    fixed = {k: st.just(v) for k, v in path_parameters.items() if k not in known}
    real = st.fixed_dictionaries({**fixed, **known})
    if "slug" in path_parameters and KNOWN.get("slug"):
        real = st.tuples(real, st.sampled_from(KNOWN["slug"])).map(lambda p: {**p[0], "namespace": p[1][0], "slug": p[1][1]})
    return st.one_of(st.just(path_parameters), real)
