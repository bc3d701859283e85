#!/usr/bin/env bash
# ctest splits a discovered test name at `;`: a Catch test whose name holds one is registered
# under the part before it, which matches no test, so it "passes" without running. Refuse such
# names (string literals concatenated across lines included).
set -euo pipefail
bad=$(grep -Pzo 'TEST_CASE\(\s*"(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*' -r "$1/tests" \
        --include='*.cpp' | tr '\0' '\n' | grep ';' || true)
if [[ -n "$bad" ]]; then
  echo "test names must not hold ';' (ctest would never run them):" >&2
  echo "$bad" >&2
  exit 1
fi
