# Gatehouse developer entry points. `make help` lists them.

GO      ?= go
PGDSN   ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
MYSQLDSN ?= mysql://root@127.0.0.1:3306/test
REDISURL ?= redis://127.0.0.1:6379/0
# Linters, pinned and fetched through the module proxy by `go run`, so a
# fresh machine needs nothing but Go.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK ?= golang.org/x/vuln/cmd/govulncheck@v1.10.0

.PHONY: help build run test test-short vet fmt bench bench-peers

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n",$$1,$$2}'

build: ## build ./gatehouse (no cgo)
	CGO_ENABLED=0 $(GO) build -o gatehouse ./cmd/gatehouse

run: ## run the server on the embedded SQLite default
	$(GO) run ./cmd/gatehouse serve

# test runs every test with the race detector, against SQLite always and
# against PostgreSQL, MariaDB and Redis when their GATEHOUSE_TEST_* variable
# is set or a server answers on its usual loopback port.
test: vet ## run all tests (SQLite, and PostgreSQL, MariaDB, Redis when reachable)
	@if [ -z "$$GATEHOUSE_TEST_POSTGRES" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then \
		echo "PostgreSQL found on 127.0.0.1:5432: running the PostgreSQL suites too"; \
		export GATEHOUSE_TEST_POSTGRES='$(PGDSN)'; \
	fi; \
	if [ -z "$$GATEHOUSE_TEST_MYSQL" ] && command -v mariadb >/dev/null 2>&1 && mariadb -h 127.0.0.1 -u root -e 'select 1' >/dev/null 2>&1; then \
		export GATEHOUSE_TEST_MYSQL='$(MYSQLDSN)'; \
	fi; \
	if [ -z "$$GATEHOUSE_TEST_REDIS" ] && command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then \
		export GATEHOUSE_TEST_REDIS='$(REDISURL)'; \
	fi; \
	$(GO) test -race -count=1 -timeout 30m ./...

test-short: ## quick tests, SQLite only
	$(GO) test -short ./...

vet: ## gofmt, go vet, staticcheck and govulncheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@# The peer comparison is a nested module that ./... does not reach;
	@# its SpiceDB sub-module is vetted by bench-peers only (see
	@# docs/performance.md, "Peer comparison": it compiles for minutes).
	cd bench/peers && $(GO) vet ./...
	@# Tests call Aiven's deprecated project endpoints on purpose (Gatehouse
	@# serves them for the clients that still do), so deprecation (SA1019)
	@# is checked in non-test code only, every other check everywhere.
	$(GO) run $(STATICCHECK) -checks inherit,-SA1019 ./...
	$(GO) run $(STATICCHECK) -checks SA1019 -tests=false ./...
	@# govulncheck needs the vulnerability database (vuln.go.dev); where
	@# the network cannot reach it, say so and go on rather than fail.
	@echo "$(GO) run $(GOVULNCHECK) ./..."; \
	out=$$($(GO) run $(GOVULNCHECK) ./... 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] && echo "$$out" | grep -q 'fetching vulnerabilities'; then \
		echo "govulncheck skipped: the vulnerability database is unreachable from this machine"; \
		echo "$$out" | grep 'fetching vulnerabilities'; \
	else \
		echo "$$out"; exit $$rc; \
	fi

bench: ## run the benchmarks once each, for real numbers see docs/performance.md
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The peer comparison (docs/performance.md, "Peer comparison"): Gatehouse
# against Casbin, OPA and OpenFGA in bench/peers, and against SpiceDB in
# its own module bench/peers/spicedb, whose results the first run merges
# into one table. Not part of CI: the large size takes an hour.
PEER_SIZES ?= small
PEER_FLAGS ?=
PEER_JSON  ?= $(or $(TMPDIR),/tmp)/gatehouse-peers-spicedb.json

bench-peers: ## compare with Casbin, OPA, OpenFGA, SpiceDB (PEER_SIZES=small,medium,large PEER_FLAGS=...)
	cd bench/peers/spicedb && $(GO) vet ./... && $(GO) run . -sizes $(PEER_SIZES) -json $(PEER_JSON) $(PEER_FLAGS)
	cd bench/peers && $(GO) vet ./... && $(GO) run . -sizes $(PEER_SIZES) -merge $(PEER_JSON) $(PEER_FLAGS)
