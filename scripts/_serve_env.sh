# Environment of scripts/serve: debug on, and links in emails pointing at the port it serves.
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
export PORT="${PORT:-8000}"
# An operator's own EDITORIAL_BASE_URL (say, behind a tunnel) wins; otherwise the served port.
export EDITORIAL_BASE_URL="${EDITORIAL_BASE_URL:-http://127.0.0.1:${PORT}}"
