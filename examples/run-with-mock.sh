#!/usr/bin/env bash
# Runs a program against a fresh `impilo mock` on 127.0.0.1 (a free port), then stops the mock.
#   run-with-mock.sh IMPILO_BIN PROGRAM [MOCK_FLAG...]
# The program gets IMPILO_BASE_URL and IMPILO_API_KEY (the demo catalogue's key). Exits with the
# program's status, or non-zero if the mock does not start or does not stop cleanly on SIGTERM.
set -euo pipefail

impilo=$1
program=$2
shift 2

out=$(mktemp)
"$impilo" mock --port 0 "$@" >"$out" &
mock=$!
cleanup() {
  kill "$mock" 2>/dev/null || true
  wait "$mock" 2>/dev/null || true
  rm -f "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

line=""
for _ in $(seq 1 200); do
  line=$(head -n 1 "$out")
  [[ $line == "listening on "* ]] && break
  kill -0 "$mock" 2>/dev/null || break
  sleep 0.05
done
if [[ $line != "listening on "* ]]; then
  echo "run-with-mock: the simulator did not start" >&2
  exit 1
fi

status=0
IMPILO_BASE_URL=${line#listening on } IMPILO_API_KEY=sim-key-1 "$program" || status=$?

kill -TERM "$mock"
mock_status=0
wait "$mock" || mock_status=$?
trap - EXIT
rm -f "$out"
if ((mock_status != 0)); then
  echo "run-with-mock: the simulator exited with status $mock_status on SIGTERM" >&2
  exit 1
fi
exit "$status"
