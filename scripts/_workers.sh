# Shared by scripts/serve and scripts/prod: background workers (manage.py run_tasks) started
# beside the web server and stopped with it. EDITORIAL_TASK_WORKERS of them (default 1; 0 when
# they run elsewhere, e.g. on machines of their own). A worker that stops is started again.
# Usage: start_workers [run_tasks options]; the server then runs in the foreground via run_server.
TASK_WORKERS=()

start_workers() {
    local count="${EDITORIAL_TASK_WORKERS:-1}" i
    for ((i = 0; i < count; i++)); do
        # A subshell that starts its worker again if it fails or is killed; TERM stops the worker
        # (it finishes its job first) and then the loop. Ctrl-C reaches the worker itself (same
        # process group), which stops cleanly: the loop ends with it.
        (
            trap 'kill -TERM "$worker" 2>/dev/null; wait "$worker"; exit 0' TERM
            while true; do
                .venv/bin/python manage.py run_tasks --no-reload "$@" &
                worker=$!
                if wait "$worker"; then exit 0; fi
                sleep 1
            done
        ) &
        TASK_WORKERS+=($!)
    done
    echo "==> ${count} background worker(s) started (manage.py run_tasks)"
}

stop_workers() {
    if [ "${#TASK_WORKERS[@]}" -gt 0 ]; then
        kill -TERM "${TASK_WORKERS[@]}" 2>/dev/null || true
        wait "${TASK_WORKERS[@]}" 2>/dev/null || true
        TASK_WORKERS=()
    fi
}

# Run "$@" (the web server) in the foreground; on INT/TERM pass the signal on, wait for it to stop,
# then stop the workers. Exits with the server's status.
run_server() {
    "$@" &
    local server=$!
    trap 'kill -TERM "$server" 2>/dev/null' TERM INT
    trap stop_workers EXIT
    local status=0
    wait "$server" || status=$?
    if kill -0 "$server" 2>/dev/null; then  # woken by a signal: let the server finish stopping
        status=0
        wait "$server" || status=$?
    fi
    return "$status"
}
