# Every target wraps plain go commands: `go build ./... && go test ./...` works
# without make. Run `make` (or `make help`) for the list.

GO ?= go
GOFMT ?= gofmt
STATICCHECK_VERSION ?= v0.8.2

.DEFAULT_GOAL := help

.PHONY: help run test check bench bench-scale lint gen build

help: ## show this help
	@echo 'Usage: make <target>'
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## run the service: embedded store in ./data, http://127.0.0.1:8080 (ARGS='--addr :9000' adds flags)
	$(GO) run ./cmd/socledger serve $(ARGS)

test: check ## check formatting, go.mod and vet, then run every test with the race detector
	$(GO) test -race -count=1 ./...

check: ## fail on unformatted Go files, an untidy go.mod or go vet findings
	@unformatted=$$(git ls-files --cached --others --exclude-standard -- '*.go' ':!:vendor/**' \
		| while read -r f; do if [ -f "$$f" ]; then echo "$$f"; fi; done \
		| xargs -r -d '\n' $(GOFMT) -l); \
	if [ -n "$$unformatted" ]; then \
		echo 'gofmt -l: these files need gofmt -w:'; echo "$$unformatted"; exit 1; \
	fi
	$(GO) mod tidy -diff
	$(GO) vet ./...

bench: ## run the event store, domain and detection benchmarks
	$(GO) test -run='^$$' -bench=. -benchmem ./eventstore/...
	$(GO) test -run='^$$' -bench=. -benchmem ./domain/...
	$(GO) test -run='^$$' -bench=. -benchmem -cpu=1 ./detection/...

bench-scale: ## the embedded store at 50 million events (not part of test; ~10 min; fills the temp dir's disk to 15 GB free; ARGS='--dir /big --json out.json')
	$(GO) run ./cmd/socledger-scale $(ARGS)

lint: check ## check, plus staticcheck (fetched through the Go module proxy on first use)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

gen: ## regenerate generated code (go generate)
	$(GO) generate ./...

build: ## build bin/socledger (with the console placeholder)
	$(GO) build -o bin/socledger ./cmd/socledger
