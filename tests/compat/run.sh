#!/usr/bin/env bash
# The compatibility tests (issue 11): the real `huggingface_hub` and `supervisely` clients from
# PyPI, pinned to the versions the specs in ../shared/specs were read from, driving the real
# trove-server binary on 127.0.0.1 with pytest. Prints pytest's summary line.
#
# Creates (once) a Python venv with the exact pins of requirements.txt, cached under
# ~/.cache/trove/compat-venv-<hash of the pins and the Python version>.
#
# Knobs (environment): TROVE_COMPAT_SERVER (the server binary, default target/debug/trove-server,
# built if missing), TROVE_COMPAT_PYTHON (the Python to build the venv with, default python3);
# arguments are passed to pytest (e.g. `tests/compat/run.sh -k hf`).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

# `pip freeze` leaves setuptools out; requirements.txt pins it too (supervisely needs it).
source tests/venv.sh
trove_venv compat tests/compat/requirements.txt "${TROVE_COMPAT_PYTHON:-python3}"

export TROVE_COMPAT_SERVER=${TROVE_COMPAT_SERVER:-target/debug/trove-server}
if [[ ! -x "$TROVE_COMPAT_SERVER" ]]; then
  cargo build -p trove-server --locked
fi

export PYTHONDONTWRITEBYTECODE=1
# The Supervisely SDK probes https before its first request; a plain-http test server needs none.
export SUPERVISELY_SKIP_HTTPS_USER_HELPER_CHECK=1
exec "$venv/bin/python" -m pytest -p no:cacheprovider -q tests/compat "$@"
