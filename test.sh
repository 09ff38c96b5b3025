#!/usr/bin/env bash
# The whole test suite: formatting, vet, staticcheck, every test with the race
# detector, and each fuzz target for a short while. Run it from the
# repository root on any machine with Go; it fetches what it needs.
#
#   ./test.sh              everything
#   FUZZTIME=1m ./test.sh  fuzz longer (default 10s per target)
#   SKIP_FUZZ=1 ./test.sh  no fuzzing
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

step "go test -race"
go test -race -count=1 ./...

if [ -z "${SKIP_FUZZ:-}" ]; then
  fuzztime=${FUZZTIME:-10s}
  step "fuzz ($fuzztime per target)"
  for pkg in $(go list ./...); do
    dir=$(go list -f '{{.Dir}}' "$pkg")
    for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
      echo "-- $pkg $target"
      # Go's fuzzer can end a run with a bare "context deadline exceeded" when
      # fuzztime runs out while it is still replaying its corpus, or
      # minimizing a new interesting input (up to a minute by default, shown
      # as 0 execs/sec: hence -fuzzminimizetime), on a loaded machine; that
      # is no finding, so such a run is repeated once with more time. A real
      # failure prints "Failing input" and stops the suite.
      if ! out=$(go test "$pkg" -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s 2>&1); then
        echo "$out"
        if echo "$out" | grep -q 'Failing input'; then exit 1; fi
        if ! echo "$out" | grep -q 'context deadline exceeded'; then exit 1; fi
        echo "-- $pkg $target: run again with more time"
        go test "$pkg" -run='^$' -fuzz="^${target}\$" -fuzztime=30s -fuzzminimizetime=2s
      else
        echo "$out" | tail -2
      fi
    done
  done
fi

step "ok"
