# Sourced by the Python test steps (tests/fuzz/run.sh, tests/compat/run.sh): makes sure python3
# can build a venv (installing python3-venv if not), then creates once, and reuses, a venv with
# the exact pins of a requirements file, cached under ~/.cache/trove/<name>-venv-<hash of the pins
# and the Python version>. Sets `venv` to its directory.
#   trove_venv NAME REQUIREMENTS PYTHON
trove_venv() {
  local name=$1 requirements=$2 python=$3
  if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    echo "$name: installing python3-venv"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  local key
  key=$({ cat "$requirements"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/trove/$name-venv-$key"
  if [[ ! -e "$venv/.complete" ]]; then
    echo "$name: creating $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
    local problems
    problems=$("$venv/bin/pip" check --disable-pip-version-check) || { echo "$problems" >&2; return 1; }
    touch "$venv/.complete"
  fi
}
