#!/usr/bin/env bash
# Installs what the console's browser tests need: a Chromium and a font with Chinese glyphs (the console
# speaks Chinese first; without such a font its screenshots show empty boxes). Playwright cannot download
# its own browsers on machines that reach only package registries, so this uses the distribution's
# packages (Debian: `chromium`, `fonts-wqy-microhei`). Installs only what is missing; a Chromium named by
# PROCUREFLOW_CHROMIUM is used as it is.
set -euo pipefail

packages=()
if [[ -z "${PROCUREFLOW_CHROMIUM:-}" ]] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  packages+=(chromium)
fi
if ! { command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh 2>/dev/null)" ]]; }; then
  packages+=(fonts-wqy-microhei)
fi
if [[ ${#packages[@]} -eq 0 ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing for the console's browser tests: ${packages[*]}; no apt-get to install them. Install a Chromium (and set PROCUREFLOW_CHROMIUM to its path) and a Chinese font." >&2
  exit 1
fi
as_root=()
if [[ "$(id -u)" != 0 ]]; then as_root=(sudo); fi
echo "== installing ${packages[*]} (Debian packages) for the console's browser tests"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
