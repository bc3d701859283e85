#!/usr/bin/env bash
# Learns by webhook that an order shipped: starts a local `impilo webhooks listen` receiver,
# subscribes it to `order.status` and `order.statusFull` with a shared secret, places an order,
# advances it to `shipped` (the simulator's POST /_simulator/orders/{id}/advance), and prints the
# status change and tracking number that arrive. Run it against a simulator:
#   IMPILO_BIN=path/to/impilo examples/run-with-mock.sh path/to/impilo examples/webhooks-demo.sh
# (run-with-mock.sh sets IMPILO_BASE_URL and IMPILO_API_KEY). Needs curl for the advance call.
# Everything stays on 127.0.0.1; the receiver is stopped on every exit. Exits non-zero when a step
# fails or the deliveries do not come within 20 seconds.
set -euo pipefail

impilo=${IMPILO_BIN:-impilo}
# Both `listen` and `webhooks set-secret` read the secret from here, never from a flag.
IMPILO_WEBHOOK_SECRET="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export IMPILO_WEBHOOK_SECRET

fail() {
  echo "webhooks-demo: $*" >&2
  exit 1
}

received=$(mktemp)
receiver_errors=$(mktemp)
"$impilo" webhooks listen --port 0 >"$received" 2>"$receiver_errors" &
listener=$!
cleanup() {
  kill "$listener" 2>/dev/null || true
  wait "$listener" 2>/dev/null || true
  rm -f "$received" "$receiver_errors"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits up to 20 s for line $1 of the receiver's output; prints it.
receiver_line() {
  local line=""
  for _ in $(seq 1 400); do
    line=$(sed -n "$1p" "$received")
    [[ -n $line ]] && break
    kill -0 "$listener" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $line ]] || { cat "$receiver_errors" >&2; return 1; }
  printf '%s\n' "$line"
}

line=$(receiver_line 1) || fail "the receiver did not start"
[[ $line == "listening on http://127.0.0.1:"* ]] || fail "unexpected receiver output: $line"
receiver_url="${line#listening on }/impilo/webhooks"
echo "receiver:   impilo webhooks listen on $receiver_url"

for type in order.status order.statusFull; do
  "$impilo" webhooks create --type "$type" --url "$receiver_url" >/dev/null
done
"$impilo" webhooks set-secret >/dev/null
echo "subscribed: order.status and order.statusFull, with a shared secret"

order=$("$impilo" orders create --file - <<'JSON'
{"patient": {"id": 5000}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}
JSON
)
# The Order is printed with an indent of 2: its own id is the only "id" at that depth.
order_id=$(sed -n 's/^  "id": \([0-9][0-9]*\),\{0,1\}$/\1/p' <<<"$order")
[[ -n $order_id ]] || fail "no order id in the created order"
echo "placed:     order $order_id for patient 5000 (status availableForPickup)"

# The simulator's own endpoint moves the order one step on its status flow: to `shipped`. The key
# goes to curl on stdin (printf is a shell builtin): a command line is visible to other users.
printf 'Impilo-API-Key: %s\n' "$IMPILO_API_KEY" |
  curl --fail --silent --show-error --noproxy '*' --max-time 10 -X POST -H @- \
    "$IMPILO_BASE_URL/_simulator/orders/$order_id/advance" >/dev/null
echo "advanced:   order $order_id to shipped"

# The change arrives as two JSON lines after `listening on`, one per subscribed type.
receiver_line 3 >/dev/null || fail "the two deliveries did not arrive"
status_line=$(grep -F '"type":"order.status",' "$received")
full_line=$(grep -F '"type":"order.statusFull",' "$received")
status=$(sed -n 's/.*"eventType":"\([^"]*\)".*/\1/p' <<<"$status_line")
tracking=$(sed -n 's/.*"trackingNumbers":\[{"carrier":"\([^"]*\)","value":"\([^"]*\)".*/\1 \2/p' \
  <<<"$full_line")
echo "webhook:    order.status says order $order_id is now '$status'"
echo "webhook:    order.statusFull carries its tracking number: $tracking"
[[ $status == shipped && -n $tracking ]] || fail "unexpected deliveries (status '$status', tracking '$tracking')"
