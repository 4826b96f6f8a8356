# 政务协同 — build, run, test, bench, lint.
export GOTOOLCHAIN := local
GO          ?= go
BIN         := bin/govcollab
TOOLS       := $(CURDIR)/.cache/tools
STATICCHECK := $(TOOLS)/staticcheck
# pinned: staticcheck release that supports Go 1.26
STATICCHECK_VERSION := v0.8.2
HTTP        ?= 127.0.0.1:8090
DATA        ?= pb_data

.PHONY: build run demo test test-unit test-race bench lint clean

build:
	$(GO) build -o $(BIN) .

# Builds and serves the UI and API with the demo province seeded on first start.
run: build
	./$(BIN) serve --demo --http $(HTTP) --dir $(DATA)

# Starts over from an empty demo database.
demo: build
	rm -rf $(DATA)
	./$(BIN) serve --demo --http $(HTTP) --dir $(DATA)

# Everything CI runs: lint, the whole suite, and the concurrent parts under -race.
test: lint test-unit test-race

test-unit:
	$(GO) test -count=1 -timeout 40m ./...

test-race:
	$(GO) test -count=1 -race -timeout 20m ./policies/... ./hooks/security/... ./hooks/api/...

# Benchmarks print each figure beside its baseline from the same run.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./policies/... ./hooks/... | tee bench.out
	@echo; echo "== ratios (lower is better for *_ratio) =="; grep -E '_ratio|ns/op' bench.out | sed 's/^/  /'

$(STATICCHECK):
	mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

clean:
	rm -rf bin bench.out test-output
