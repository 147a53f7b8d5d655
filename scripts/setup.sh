#!/usr/bin/env bash
# Installs what the app (and with --test, its tests) needs on Debian 12, as root:
# Debian packages for the sandbox (and Chromium for browser tests), then the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup: run as root (the sandbox boots systemd-nspawn)" >&2
  exit 1
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: Node.js 20.19+ with npm is required (apt-get install nodejs npm, or NodeSource)" >&2
  exit 1
fi

pkgs=(systemd-container debootstrap iproute2 util-linux)
# --test: Chromium for browser tests, nix-bin to parse the Nix flake, nc and ssh to reach a sandbox over SSH.
if [ "${1:-}" = "--test" ]; then pkgs+=(chromium nix-bin netcat-openbsd openssh-client); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci never fetches Electron's binary itself (a failed download would fail the install); it is
# tried below, once, where it is missing.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
if ! cmp -s package-lock.json node_modules/.nsd-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.nsd-installed-lock
fi

# Electron's binary (from GitHub, or ELECTRON_MIRROR): the desktop window needs it; without it
# `npm start` serves web mode. NSD_SKIP_ELECTRON=1 does not try.
if [ "${NSD_SKIP_ELECTRON:-0}" != 1 ] && [ ! -x node_modules/electron/dist/electron ]; then
  if err=$(ELECTRON_SKIP_BINARY_DOWNLOAD= timeout 600 node node_modules/electron/install.js 2>&1); then
    echo "setup: Electron's binary downloaded" >&2
  else
    reason=$(printf '%s\n' "$err" | grep -v '^ *at ' | grep -m1 . || true)
    echo "setup: Electron's binary could not be downloaded (${reason:-timed out}); npm start runs in web mode" >&2
  fi
fi
