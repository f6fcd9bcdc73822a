#!/usr/bin/env bash
# Runs Trove's end-to-end tests in a real window: tauri-driver + WebKitWebDriver drive the app
# binary (target/debug/trove, or $TROVE_APP), which must already be built, and the sync test
# runs target/debug/trove-server (or $TROVE_SERVER_BIN):
#   npm --prefix ui run build && cargo build -p trove -p trove-server
# Without DISPLAY the tests start their own Xvfb. Failures leave a screenshot, the DOM and the
# driver/app log under tests/e2e/artifacts/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

for tool in tauri-driver WebKitWebDriver; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "e2e: $tool is not on PATH (see shared/notes/tauri-on-debian.md: cargo install tauri-driver --version 2.1.0 --locked; apt-get install webkit2gtk-driver)" >&2
    exit 1
  fi
done
if [[ -z "${DISPLAY:-}" ]] && ! command -v Xvfb >/dev/null 2>&1; then
  echo "e2e: DISPLAY is unset and Xvfb is not installed (apt-get install xvfb)" >&2
  exit 1
fi
app="${TROVE_APP:-${CARGO_TARGET_DIR:-$here/../../target}/debug/trove}"
export TROVE_APP="$app"
if [[ ! -x "$app" ]]; then
  echo "e2e: app binary $app is missing; build it: npm --prefix ui run build && cargo build -p trove" >&2
  exit 1
fi

# --ignore-scripts: webdriverio's optional browser-driver packages would try to download drivers.
npm ci --prefix "$here" --ignore-scripts --no-audit --no-fund --loglevel=error

artifacts="${TROVE_E2E_ARTIFACTS:-$here/artifacts}"
rm -rf "$artifacts/failures" "$artifacts/logs"
mkdir -p "$artifacts"

# One app at a time: each test launches its own app and the machine has two cores.
exec node --test --test-concurrency=1 --test-reporter=spec "$@" "$here"/specs/*.test.mjs
