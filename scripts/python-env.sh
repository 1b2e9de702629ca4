#!/usr/bin/env bash
# Builds the Python venv that the TRL export's tests run in (issue 16):
# CPU torch first, pinned exactly, so no other package can pull a CUDA build,
# then the pinned TRL stack the export's requirements.txt names.
# Idempotent: a venv whose stamp matches these pins is left as it is.
# Usage: scripts/python-env.sh [DIR]   (default: $STUDIO_TRL_VENV or .venv-trl)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${1:-${STUDIO_TRL_VENV:-.venv-trl}}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

# Keep in step with main/core/export/requirements.ts (a unit test checks it).
PINS=(
  "torch==2.13.0"
  "transformers==5.17.0"
  "trl==1.13.0"
  "accelerate==1.15.0"
  "peft==0.21.0"
  "datasets==5.2.0"
  "pyyaml==6.0.3"
)
STAMP="$VENV/.studio-pins"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "${PINS[*]}" ]; then
  echo "python env: $VENV is up to date"
  exit 0
fi

start=$(date +%s)
"$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
# CPU torch alone first: an unpinned torch asked for by trl would be a CUDA build of several GB.
"${PIP[@]}" "torch==2.13.0"
"${PIP[@]}" "${PINS[@]}"
echo "${PINS[*]}" >"$STAMP"
echo "python env: built $VENV in $(($(date +%s) - start)) s"
