#!/usr/bin/env bash
# The package smoke test: builds the desktop app's .deb (scripts/package; --debug by default,
# the build CI already made; TROVE_PACKAGE_PROFILE=release for the release build), installs it
# with apt-get, starts the installed /usr/bin/trove under Xvfb through tauri-driver and checks it
# opens into the demo; starts the AppImage the same way; installs the trove-server .deb and checks
# its service user, data folder and binary. Needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/../.."
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
profile="${TROVE_PACKAGE_PROFILE:-debug}"
if [[ "$profile" == debug ]]; then scripts/package --debug; else scripts/package; fi
bundle="target/$profile/bundle"

DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --reinstall "./$bundle"/deb/trove_*.deb >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --reinstall "./$bundle"/server/trove-server_*.deb >/dev/null
getent passwd trove-server >/dev/null || { echo "package: the trove-server user was not made" >&2; exit 1; }
[[ "$(stat -c %U /var/lib/trove-server)" == trove-server ]] || { echo "package: /var/lib/trove-server is not the service's" >&2; exit 1; }
/usr/bin/trove-server --version

npm ci --prefix tests/e2e --ignore-scripts --no-audit --no-fund --loglevel=error
TROVE_APP=/usr/bin/trove node --test --test-concurrency=1 --test-reporter=spec tests/package/smoke.test.mjs
# The AppImage, extracted and run (no FUSE needed), opens into the demo too.
appimage=$(ls "$PWD/$bundle"/appimage/trove_*_amd64.AppImage)
APPIMAGE_EXTRACT_AND_RUN=1 TROVE_APP="$appimage" node --test --test-concurrency=1 --test-reporter=spec tests/package/appimage.test.mjs
