#!/usr/bin/env bash
# Installs schemathesis (PyPI), at the versions pinned in scripts/schemathesis-requirements.txt, into the
# virtual environment .venv-schemathesis at the repository root (gitignored). Idempotent: a venv that
# already holds exactly the pinned versions is left as it is.
#   bash scripts/install-schemathesis.sh           install what is missing
#   bash scripts/install-schemathesis.sh --check   exit 1 unless installed
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-schemathesis
requirements=scripts/schemathesis-requirements.txt
stamp="$venv/.installed-requirements"

if [[ -x "$venv/bin/schemathesis" ]] && cmp -s "$requirements" "$stamp"; then
  echo "[install-schemathesis] found $("$venv/bin/schemathesis" --version) in $venv"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "[install-schemathesis] missing: schemathesis in $venv (run: bash scripts/install-schemathesis.sh)" >&2
  exit 1
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  echo "[install-schemathesis] needs Python 3.10 or later as \`$python\` (set PYTHON to another interpreter)" >&2
  exit 1
fi
echo "[install-schemathesis] installing $(grep -E '^schemathesis==' "$requirements") into $venv"
"$python" -m venv "$venv"
# --no-deps: the requirements file pins every package of the environment, so nothing floats.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$requirements"
"$venv/bin/pip" check --disable-pip-version-check >/dev/null
cp "$requirements" "$stamp"
echo "[install-schemathesis] installed $("$venv/bin/schemathesis" --version)"
