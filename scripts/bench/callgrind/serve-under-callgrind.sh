#!/bin/bash
# AUDIENCESYNC_BIN for an instruction count: `serve` runs under callgrind, every other subcommand as usual.
# valgrind 3.19 cannot read the DWARF 5 debug info Swift writes, so it runs a copy without it (symbols stay).
set -euo pipefail
real="${CALLGRIND_REAL_BIN:?}"
if [ "$1" = "serve" ]; then
  exec valgrind --tool=callgrind --callgrind-out-file="${CALLGRIND_OUT:?}" --dump-instr=no "$real" "$@"
fi
exec "$real" "$@"
