# 政务协同 — build, run, test, bench, lint.
export GOTOOLCHAIN := local
GO          ?= go
BIN         := bin/govcollab
TOOLS       := $(CURDIR)/.cache/tools
STATICCHECK := $(TOOLS)/staticcheck
# pinned: staticcheck release that supports Go 1.26
STATICCHECK_VERSION := v0.8.2
# pinned: MinIO server for the object-store tests (hooks/files). MinIO
# publishes no semver tags; this pseudo-version is the newest on the Go proxy.
MINIO       := $(TOOLS)/minio
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
HTTP        ?= 127.0.0.1:8090
DATA        ?= pb_data

.PHONY: build run demo test test-unit test-race bench lint clean minio release

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

test-unit: $(MINIO)
	GOV_MINIO_BIN=$(MINIO) $(GO) test -count=1 -timeout 40m ./...

test-race: $(MINIO)
	GOV_MINIO_BIN=$(MINIO) $(GO) test -count=1 -race -timeout 20m ./policies/... ./hooks/security/... ./hooks/api/... ./hooks/files/... ./hooks/notices/... ./hooks/approval/... ./hooks/mailin/... ./hooks/training/... ./hooks/search/... ./hooks/workbench/... ./hooks/finder/...

# Benchmarks measure each figure against a baseline interleaved in the same
# run (ns/op is ours, <base>-ns/op the baseline, vs_<base>_ratio ours/base),
# then check the targets: BENCH_TARGETS entries are name:metric:ceiling.
# Files (hooks/files): 1 MB upload and download through our routes against
# raw minio-go put/get (local: plain file write+fsync/read, reported only).
# Cases (hooks/search, hooks/casework, 100k generated): a 2-character search
# (p50 ≤ 10 ms and ≥ 50× a LIKE scan), a feed page, a view with cached HTML
# against rendering each time.
# Notices (hooks/notices): publish to 100k recipients (≤ 3 s), the inbox of a
# person with 10k notices, the per-unit rollup over 100k receipts (≤ 50 ms),
# each beside a plain SQL baseline.
# E-approval (hooks/approval): a submit + 签发 through the API (≥ 200
# actions/s, i.e. ≤ 5 ms each) beside plain updates; "my pending" over 1M
# documents beside hand-written SQL (reported).
# Mail-in (hooks/mailin): messages with a 100 KB attachment taken in from a
# local IMAP server (≥ 50/s, i.e. ≤ 20 ms each), beside fetching them alone.
# Training (hooks/training): a province's compliance rollup (200k people, 2M
# credits; ≤ 200 ms) beside naive per-person sums.
# Unified search and workbench (hooks/finder, 1M mixed items; smaller with
# UNIFIED_BENCH_ITEMS): a 2-character search over all four types (p50 ≤ 20
# ms, p95 ≤ 100 ms) beside LIKE, and the workbench (p50 ≤ 30 ms) beside its
# parts read one after another.
BENCH_TARGETS := BenchmarkCan/cached:ns/op:2000 BenchmarkList/total:vs_pb_ratio:0.25 BenchmarkList/skipTotal:vs_pb_ratio:1.5 \
  BenchmarkUpload/minio/serial:vs_raw_ratio:1.15 BenchmarkDownload/minio/serial:vs_raw_ratio:1.15 \
  BenchmarkSearch:p50-ms:10 BenchmarkSearch:ours_per_like:0.02 BenchmarkFeed:p50-ms:10 BenchmarkCaseView:vs_render_ratio:1.0 \
  BenchmarkPublish:s/publish:3 BenchmarkRollup:p50-ms:50 BenchmarkIngest:ms/msg:20 BenchmarkActions:ms/action:5 \
  BenchmarkCompliance:p50-ms:200 BenchmarkUnified/search:p50-ms:20 BenchmarkUnified/search:p95-ms:100 BenchmarkUnified/workbench:p50-ms:30
bench: SHELL := /bin/bash
bench: $(MINIO)
	set -o pipefail; GOV_MINIO_BIN=$(MINIO) $(GO) test -run '^$$' -bench . -timeout 30m ./policies/... ./hooks/... | tee bench.out
	@echo; echo "== figures and targets =="
	@awk -v targets="$(BENCH_TARGETS)" ' \
	  BEGIN { n = split(targets, t, " "); for (i = 1; i <= n; i++) { split(t[i], f, ":"); want[f[1]] = want[f[1]] " " f[2] ":" f[3] } } \
	  /^Benchmark/ { name = $$1; sub(/-[0-9]+$$/, "", name); out = sprintf("  %-34s", name); delete v; \
	    for (i = 3; i < NF; i += 2) { v[$$(i+1)] = $$i; out = out sprintf("  %12s %s", $$i, $$(i+1)) } \
	    if (name in want) { seen[name] = 1; m = split(want[name], w, " "); \
	      for (j = 1; j <= m; j++) { split(w[j], mc, ":"); ok = (mc[1] in v) && v[mc[1]] + 0 <= mc[2] + 0; \
	        out = out sprintf("   %s (%s ≤ %s)", ok ? "ok" : "MISSED", mc[1], mc[2]); if (!ok) missed++ } } \
	    print out } \
	  END { for (k in want) if (!(k in seen)) { print "  " k ": not run"; missed++ } \
	    if (missed) { print "  " missed " target(s) missed"; exit 1 } }' bench.out

$(STATICCHECK):
	mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# Builds the pinned MinIO server once (only if missing).
minio: $(MINIO)

$(MINIO):
	mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install github.com/minio/minio@$(MINIO_VERSION)

lint: $(STATICCHECK)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Static binaries for intranet servers: x86-64, ARM64 (鲲鹏/飞腾) and
# LoongArch (龙芯) — pure Go (the SQLite driver needs no cgo), so one
# machine builds all three; SHA256SUMS beside them.
RELEASE_TARGETS := linux/amd64 linux/arm64 linux/loong64
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
release:
	mkdir -p dist
	set -e; for t in $(RELEASE_TARGETS); do \
	  os=$${t%/*}; arch=$${t#*/}; \
	  echo "building $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" \
	    -o dist/govcollab-$(VERSION)-$$os-$$arch . ; \
	done
	cd dist && sha256sum govcollab-$(VERSION)-* > SHA256SUMS && cat SHA256SUMS

clean:
	rm -rf bin bench.out test-output dist
