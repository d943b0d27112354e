#!/usr/bin/env bash
# Installs what tests/e2e needs to drive the VS Code extension for real, on a Debian machine that reaches
# only the package registries (Debian, npm): code-server (VS Code in the browser), Debian's Chromium, and
# playwright-core (the browser driver, used with that Chromium; it downloads no browser of its own).
#
#   bash tools/install-e2e-tools.sh DEST      # default DEST: ~/.cache/msmigrate-e2e/code-server
#
# Afterwards: DEST/node_modules/.bin/code-server, DEST/node_modules/playwright-core, /usr/bin/chromium.
# A second run finds them and returns at once. Needs root for apt-get (CI and the dev machines run as root).
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}" # VS Code 1.100.3, the client's minimum engine
DEST="${1:-$HOME/.cache/msmigrate-e2e/code-server}"
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"

installed() {
  [ -x "$DEST/node_modules/.bin/code-server" ] && [ -d "$DEST/node_modules/playwright-core" ] && [ -x /usr/bin/chromium ]
}
if installed; then
  echo "e2e tools: already in $DEST"
  exit 0
fi

# code-server's install script compiles native modules (node-pty, kerberos, ...), which
# need a compiler and these headers; ripgrep stands in for the binary VS Code would download (below).
DEBIAN_PACKAGES=(build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium)
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e tools: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# VS Code's @vscode/ripgrep fetches a prebuilt rg from a code host during its install, which cannot be
# reached here. Before downloading it looks for the archive in "$TMPDIR/vscode-ripgrep-cache-<its version>/",
# so an archive of Debian's rg is left there under every name the VS Code 1.100 line asks for.
RIPGREP_PACKAGE_VERSIONS="1.15.9 1.15.10 1.15.11 1.15.12 1.15.13 1.15.14 1.17.0 1.17.1"
RIPGREP_TAGS="v13.0.0-10 v13.0.0-13 v14.1.1-1"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp "$(command -v rg)" "$staging/rg"
for package_version in $RIPGREP_PACKAGE_VERSIONS; do
  cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$package_version"
  mkdir -p "$cache"
  for tag in $RIPGREP_TAGS; do
    tar -czf "$cache/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz" -C "$staging" rg
  done
done

# npx, which install scripts call, must never stop to ask.
export npm_config_yes=true
[ -f "$DEST/package.json" ] || printf '{"name": "msmigrate-e2e-tools", "private": true}\n' >"$DEST/package.json"
echo "e2e tools: npm install code-server@$CODE_SERVER_VERSION playwright-core (several minutes the first time)"
(cd "$DEST" && npm install --no-save --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" playwright-core >/dev/null)

installed || {
  echo "e2e tools: the install finished but code-server, playwright-core or chromium is missing" >&2
  exit 1
}
echo "e2e tools: code-server $("$DEST/node_modules/.bin/code-server" --version 2>/dev/null | grep -m 1 "with Code"), $(/usr/bin/chromium --version 2>/dev/null)"
