#!/usr/bin/env bash
# The fuzz tests of trove-server against its real binary (issue 9; DESIGN §6): schemathesis over
# the OpenAPI document, as an admin and as a viewer from another namespace, and a hand-written
# generator of malformed and hostile sync requests, with a byte-identical database after the
# refused ones. Asserts no answer >= 500 and no dropped connection; prints the figures.
#
# Creates (once) a Python venv with the exact pins of requirements.txt, cached under
# ~/.cache/trove/fuzz-venv-<hash of the pins and the Python version>.
#
# Knobs (environment):
#   TROVE_FUZZ_SERVER      the server binary (default target/debug/trove-server, built if missing)
#   TROVE_FUZZ_PARTS       sync,openapi (default both)
#   TROVE_FUZZ_SEED        the seed of every generator (default 9)
#   TROVE_FUZZ_SYNC_CASES  malformed sync requests (default 3000)
#   TROVE_FUZZ_EXAMPLES    schemathesis --max-examples per operation as the admin; half as the viewer
#                          (default 100)
#   TROVE_FUZZ_MAX_TIME    schemathesis --max-time, seconds (unset: bounded by the examples)
#   TROVE_FUZZ_WORKERS     schemathesis workers (default 2)
#   TROVE_FUZZ_WORK        where seeds, logs and reports go (default a new directory in /tmp)
#   TROVE_FUZZ_PYTHON      the Python to build the venv with (default python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

source tests/venv.sh
trove_venv fuzz tests/fuzz/requirements.txt "${TROVE_FUZZ_PYTHON:-python3}"

if [[ -z "${TROVE_FUZZ_SERVER:-}" && ! -x target/debug/trove-server ]]; then
  cargo build -p trove-server --locked
fi

export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" tests/fuzz/fuzz.py
