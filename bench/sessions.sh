#!/bin/sh
# bench/sessions.sh — the session benchmark: the same CGI reads and writes one
# session key on every request (cookie kept per wrk thread); sessionwrap with
# sessions (file store with fsync on and off, Redis store, cookie store)
# against fcgiwrap without sessions, behind identical lighttpds, in one run.  Same knobs as bench/wrapper.sh.
exec "$(dirname "$0")/wrapper.sh" --sessions "$@"
