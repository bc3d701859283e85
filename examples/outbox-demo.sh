#!/usr/bin/env bash
# The transactional outbox through a crash (examples/outbox.cpp): records six device requests with
# their tickets, runs a worker that crashes right after its first placement (before marking the
# row placed), runs a worker again, and checks with `impilo orders list --all` that every request
# became exactly one order: five orders, the crashed one not placed twice, and the sixth (an item
# the catalogue marks non-orderable) refused and marked failed. Run it against a simulator that
# commits the next two creates and drops their answers:
#   IMPILO_BIN=path/to/impilo OUTBOX_BIN=path/to/outbox \
#     examples/run-with-mock.sh path/to/impilo examples/outbox-demo.sh --commit-then-drop 2
# (run-with-mock.sh sets IMPILO_BASE_URL and IMPILO_API_KEY). Exits non-zero when a check fails.
set -euo pipefail

impilo=${IMPILO_BIN:-impilo}
outbox=${OUTBOX_BIN:-outbox}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
db=$work/clinic.db
# The simulator lists an order as soon as it is placed: short settle lookups and call bounds keep
# the worker's wait after the crash at a few seconds (about 9 minutes with the defaults).
fast=(--settle-delay-ms 20 --overall-timeout-ms 1000)

fail() {
  echo "outbox-demo: $*" >&2
  for log in "$work"/*.log; do
    [[ -f $log ]] && { echo "--- $(basename "$log")" >&2; cat "$log" >&2; }
  done
  exit 1
}

# Prints "COUNT EXTERNAL_ID" for each external id the account's orders carry, and the number of
# orders on a line "orders N". Every order here carries exactly one external id.
account() {
  local listing
  listing=$("$impilo" orders list --all)
  echo "orders $(grep -c '"externalOrderIds"' <<<"$listing" || true)"
  grep -o '"clinic-42-req-[0-9]*"' <<<"$listing" | tr -d '"' | sort | uniq -c |
    awk '{print $1, $2}' || true
}

# Intake: request number, patient, item. Item 1005 is in the catalogue but not orderable.
for request in "1 5000 1000" "2 5001 1001" "3 5002 1006" "4 5000 1004" "5 5001 1000" \
  "6 5002 1005"; do
  # shellcheck disable=SC2086 # three words on purpose
  "$outbox" "${fast[@]}" "$db" intake $request >>"$work/intake.log" 2>&1 ||
    fail "intake $request failed"
done
echo "intake:  6 device requests recorded, each with its ticket, in one transaction apiece"
[[ $(account) == "orders 0" ]] || fail "intake placed an order"

# Worker 1 places clinic-42-req-1 (the simulator commits it and drops the answer; the lookups find
# it), then "crashes" before marking the row placed.
status=0
"$outbox" "${fast[@]}" "$db" worker --crash-after-place >"$work/worker1.log" 2>&1 || status=$?
((status == 75)) || fail "worker 1 exited with $status, not the simulated crash (75)"
grep -q 'create once \[clinic-42-req-1\]: send 1/3 ended ambiguously' "$work/worker1.log" ||
  fail "worker 1's create did not lose its answer"
[[ $("$outbox" "$db" status | grep -c ' pending$') == 6 ]] || fail "the crash left rows not pending"
[[ $(account) == $'orders 1\n1 clinic-42-req-1' ]] || fail "after the crash: $(account)"
echo "worker 1: placed clinic-42-req-1, then crashed before marking it placed (6 rows pending)"

# Worker 2 leaves clinic-42-req-1 alone until the settle window after the crashed attempt has
# passed, places the others (the second dropped answer: clinic-42-req-2), then finds
# clinic-42-req-1's order and sends nothing.
"$outbox" "${fast[@]}" "$db" worker >"$work/worker2.log" 2>&1 ||
  fail "worker 2 exited with $?"
grep -q 'create once \[clinic-42-req-1\]: already placed as order 1: sending nothing' \
  "$work/worker2.log" || fail "worker 2 did not find clinic-42-req-1's order"
grep -q 'create once \[clinic-42-req-2\]: send 1/3 ended ambiguously' "$work/worker2.log" ||
  fail "worker 2's first create did not lose its answer"
echo "worker 2: found clinic-42-req-1's order (nothing sent), placed the others"

expected=$'orders 5'
for n in 1 2 3 4 5; do expected+=$'\n'"1 clinic-42-req-$n"; done
[[ $(account) == "$expected" ]] || fail "the account holds: $(account)"
rows=$("$outbox" "$db" status)
[[ $(grep -c ' placed order [0-9]*$' <<<"$rows") == 5 ]] || fail "outbox rows: $rows"
grep -qx 'clinic-42-req-6 failed' <<<"$rows" || fail "clinic-42-req-6 is not failed: $rows"
echo "account: 5 orders, one per external id; outbox: 5 placed, clinic-42-req-6 refused (failed)"
