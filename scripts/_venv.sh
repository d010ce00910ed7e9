# Shared by scripts/serve and scripts/test: create .venv and install pinned requirements.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed (tried '$PYTHON'; set PYTHON=/path/to/python3.11)." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "==> Creating virtualenv in .venv"
    "$PYTHON" -m venv .venv
fi
REQUIREMENTS="${1:-requirements.txt}"
STAMP=".venv/.installed-$(basename "$REQUIREMENTS")"
if [ ! -f "$STAMP" ] || [ "$REQUIREMENTS" -nt "$STAMP" ] || [ requirements.txt -nt "$STAMP" ]; then
    echo "==> Installing $REQUIREMENTS (a few minutes on a fresh clone; pip shows its progress)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    # Not quiet: pip's own "Collecting ..." lines and download bars show it is not hung.
    .venv/bin/python -m pip install --disable-pip-version-check --progress-bar on -r "$REQUIREMENTS"
    touch "$STAMP"
fi
