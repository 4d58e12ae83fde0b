# Set-up is part of every target: a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
NODE ?= node
CLI := $(NODE) --enable-source-maps dist/webhook/cli.js
INSTALLED := node_modules/.installed
TEST_FILES = $(shell find dist -name '*.test.js' -not -path '*/fixtures/*' | sort)
# 2 cores: a third worker keeps both busy while others wait on sockets.
TEST_CONCURRENCY ?= 3
DEV_CERTS := certs/dev

.PHONY: install build generate check-generated test run bench fuzz clean

install: $(INSTALLED)
$(INSTALLED): package-lock.json package.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

build: $(INSTALLED)
	npx tsc -p tsconfig.json

generate: build
	$(NODE) --enable-source-maps dist/schemas/generate.js
	npx tsc -p tsconfig.json

check-generated: generate
	@drift="$$(git status --porcelain --untracked-files=all -- generated/)"; \
	if [ -n "$$drift" ]; then \
	  echo "generated/ is out of date with schemas/ (run 'make generate' and commit):"; echo "$$drift"; \
	  git --no-pager diff --stat -- generated/; exit 1; \
	fi; echo "generated/ is up to date"

# A clean build, so no test compiled from a since-deleted source can run.
test: $(INSTALLED)
	rm -rf dist
	npx tsc -p tsconfig.json
	$(NODE) --enable-source-maps --test --test-reporter=spec --test-concurrency=$(TEST_CONCURRENCY) $(TEST_FILES)

# certs is idempotent: it creates the development CA and certificate once and renews them near expiry.
run: build
	$(CLI) certs --service cnp-webhook --namespace cnp-system --out $(DEV_CERTS)
	$(CLI) serve --host 127.0.0.1 --port 9443 --tls-cert $(DEV_CERTS)/tls.crt --tls-key $(DEV_CERTS)/tls.key

bench: build
	$(NODE) --enable-source-maps dist/test/bench/bench.js

fuzz: build
	FUZZ_RUNS=$${FUZZ_RUNS:-100000} $(NODE) --enable-source-maps dist/test/fuzz/fuzz.js

clean:
	rm -rf dist
