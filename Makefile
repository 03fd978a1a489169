# globaldb — see README.md. `make demo` and `make test` install what they
# need on a fresh Debian machine via apt-get: the demo only the PostgreSQL 15
# server; the tests also psql, dig, curl, the aws CLI and Chromium.
SHELL := /bin/bash
GO ?= go
BIN := bin/globaldb
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build test test-short lint bench demo deps deps-demo fuzz soak conformance clean

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# -trimpath: the binary names no builder's paths, and builds of the same
# source from another directory (internal/doctest's fresh checkout) hit the
# build cache.
build:
	$(GO) build -trimpath -ldflags "-X github.com/globaldb/globaldb/internal/cli.Version=$(VERSION)" -o $(BIN) ./cmd/globaldb

deps:
	@scripts/install-deps.sh test

deps-demo:
	@scripts/install-deps.sh demo

test: deps build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# The fast loop: unit tests only. Under -short every test that starts
# PostgreSQL, an emulator, python3, the aws CLI or a browser skips; no deps.
test-short:
	$(GO) test -short -count=1 ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) vet -tags soak ./internal/drill/
	$(GO) run $(STATICCHECK) ./...

bench: deps build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 15m ./internal/bench/
	$(GO) test -run '^$$' -bench 'ForwardedInsert' -benchtime 100x -timeout 10m ./internal/emulator/wfront/
	$(GO) test -run '^$$' -bench 'ForwardedFirstWrite' -benchtime 20x -timeout 10m ./internal/emulator/wfront/

demo: deps-demo build
	$(BIN) demo

# The runbook through aws-sdk-go-v2, aws CLI v1 and v2; every response
# validated against botocore; prints coverage of docs/emulator.md (also in make test).
conformance: deps build
	$(GO) test -count=1 -v -run TestConformance -timeout 10m ./internal/conformance/ | grep -v '^time='

# Not in CI: switchover 20× and region-outage 10× on one stack, with counts.
soak: deps build
	set -o pipefail; $(GO) test -tags soak -run TestSoak -count=1 -timeout 60m -v ./internal/drill/ | grep -E '^(soak|---|ok|FAIL|PASS)|soak_test.go'

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 30s ./internal/emulator/query/
	$(GO) test -run '^$$' -fuzz FuzzParseAuthorization -fuzztime 30s ./internal/emulator/sigv4/

clean:
	rm -rf bin
