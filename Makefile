# nasbot — the targets people expect. `make test` starts the real services it needs.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/nasbot
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOCYCLO     := github.com/fzipp/gocyclo/cmd/gocyclo@v0.6.0

.PHONY: build run demo test unit services-up services-down lint fuzz bench bench-peer corpus screenshots clean assets

# The desk's NHS design system stylesheet (npm, through package-lock.json) into web/static/nhsuk/.
# build and demo go on without it (the desk keeps its own stylesheet); make test needs it.
assets:
	bash scripts/assets.sh

build:
	bash scripts/assets.sh || echo "build: without the NHS design system stylesheet (scripts/assets.sh failed)"
	$(GO) build -o $(BIN) ./cmd/nasbot

# Runs the bot with the NASBOT_* settings of the environment (see README).
run: build
	./$(BIN) run

# The whole bot on a sample inbox, with nothing to install beyond Go.
demo: build
	./$(BIN) demo

# Every test, against real PostgreSQL, Dovecot and Exim started by scripts/services.sh.
# Under NASBOT_TEST_SERVICES=1 an integration test whose service is missing fails; it never skips.
test: services-up
	set -a && . .services/env && set +a && NASBOT_TEST_SERVICES=1 $(GO) test -count=1 ./...
	$(GO) -C bench test -count=1 ./...

# Unit tests only: integration tests skip (with a message) when the services are not up.
unit:
	$(GO) test ./...
	$(GO) -C bench test ./...

services-up:
	bash scripts/services.sh up
	bash scripts/browser.sh >/dev/null
	bash scripts/assets.sh

services-down:
	bash scripts/services.sh down

lint:
	$(GO) vet ./...
	$(GO) -C bench vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...
	$(GO) -C bench run $(STATICCHECK) ./...
	$(GO) test -count=1 -run '^TestReasonCodesLiveInDomain$$' ./domain
	@out=$$($(GO) run $(GOCYCLO) -over 20 -ignore '_test.go|node_modules' .); if [ -n "$$out" ]; then echo "functions over cyclomatic complexity 20:"; echo "$$out"; exit 1; fi

# Fuzz the parser, the header reader against go-message's, and the sender verification (FUZZTIME=10m for a long run).
FUZZTIME ?= 1m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./parser
	$(GO) test -run '^$$' -fuzz '^FuzzHeaderOneReading$$' -fuzztime $(FUZZTIME) ./parser
	$(GO) test -run '^$$' -fuzz '^FuzzHTMLToText$$' -fuzztime $(FUZZTIME) ./parser
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME) ./verify

# Go benchmarks, then the end-to-end load run (bench/ is a module of its own, so that its plotting
# libraries stay out of the bot's) against the real services (docs/performance.md),
# once with an in-process sink relay and once through Exim, printed side by side: figures are
# written to out/bench/, never asserted. BENCH_LOAD="-n 500 -duration 10s"
# for a quick one.
BENCH_LOAD ?=
bench: services-up
	set -a && . .services/env && set +a && $(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) -C bench run ./load -smtp both $(BENCH_LOAD)

# Request Tracker 5 beside the bot on the same generated mail (bench/peer, docs/performance.md):
# installs RT from Debian's packages once (its database in services.sh's PostgreSQL), runs the
# bot's load run (sink and Exim), then PEER_N mails through rt-mailgate at P = PEER_P. Loopback
# only; not part of make test.
PEER_N ?= 1000
PEER_P ?= 1,2,4
bench-peer: services-up
	bash bench/peer/rt.sh install
	$(GO) -C bench run ./load -smtp both -out $(CURDIR)/out/peer/bot $(BENCH_LOAD)
	$(GO) -C bench run ./load -emit $(CURDIR)/out/peer/mail -n $$(( $(PEER_N) + 20 ))
	$(GO) -C bench run ./peer -mail $(CURDIR)/out/peer/mail -bot $(CURDIR)/out/peer/bot/summary.json -out $(CURDIR)/out/peer -p $(PEER_P)

# Screenshots of the staff desk (queue, case) from the browser tests, into out/screenshots/.
screenshots: services-up
	set -a && . .services/env && set +a && $(GO) test -count=1 -run TestBrowserDesk ./web

# The sample corpus through the binary, as outside tests run it: the NAS's shared copy when it
# is beside the checkout (it may be newer), else the project's own (CORPUS=dir to choose).
CORPUS ?= $(firstword $(wildcard ../shared/corpus) testdata/corpus)
corpus: build
	@echo "corpus: $(CORPUS)"
	python3 testdata/corpus/check.py $(CORPUS) ./$(BIN)

clean:
	rm -rf bin out node_modules web/static/nhsuk
