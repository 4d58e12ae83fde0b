# Set-up is part of every target: a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
NODE ?= node
CLI := $(NODE) --enable-source-maps dist/webhook/cli/bin.js
INSTALLED := node_modules/.installed
# 2 cores: a third worker keeps both busy while others wait on sockets.
TEST_CONCURRENCY ?= 3
# Where `make run` keeps its development CA and serving certificate (git-ignored).
DEV_CERTS := certs/dev
# `make run PORT=9444 METRICS_PORT=0`: unset, the server's own defaults apply (9443, 8080).
PORT ?=
METRICS_PORT ?=

.PHONY: install build generate check-generated lint test soak run bench fuzz hostile clean

# Install scripts stay off; the one a test needs is done here: SARIF Multitool's binary made executable.
install: $(INSTALLED)
$(INSTALLED): package-lock.json package.json
	npm ci --no-audit --no-fund --ignore-scripts
	find node_modules/@microsoft -name Sarif.Multitool -type f -exec chmod u+x {} +
	@touch $@

build: $(INSTALLED)
	npx tsc -p tsconfig.json

# From schemas/ alone: the schema generator builds without generated/, then everything else builds
# against what it wrote, then the install manifests and README.md's rule catalog are rendered.
generate: $(INSTALLED)
	npx tsc -p tsconfig.schemas.json
	$(NODE) --enable-source-maps dist/schemas/generate.js
	npx tsc -p tsconfig.json
	$(NODE) --enable-source-maps dist/webhook/install/generate.js
	$(NODE) --enable-source-maps dist/tools/readme-catalog.js

check-generated: generate
	@drift="$$(git status --porcelain --untracked-files=all -- generated/ README.md)"; \
	if [ -n "$$drift" ]; then \
	  echo "generated/ or README.md's rule catalog is out of date (run 'make generate' and commit):"; echo "$$drift"; \
	  git --no-pager diff --stat -- generated/ README.md; exit 1; \
	fi; echo "generated/ and README.md's rule catalog are up to date"

# Format and lint (biome), dependency rules and cycles (dependency-cruiser), unused exports (knip).
lint: $(INSTALLED)
	npx biome ci --error-on-warnings --reporter=summary .
	npx depcruise --config .dependency-cruiser.cjs schemas webhook certs tools
	npx knip --no-progress

# Every test, run by node's runner; the list is taken after the build, from dist/ (helper programs
# live in tools/, out of any test glob). The unit tests beside the code (certs/, webhook/) run together
# in one process, first (tools/testkit/unit-tests.ts); every other test file in its own.
RUN_TESTS = $(NODE) --enable-source-maps --test --test-reporter=spec --test-concurrency=$(TEST_CONCURRENCY) \
	  dist/tools/testkit/unit-tests.js \
	  $$(find dist -name '*.test.js' -not -path '*/fixtures/*' -not -path 'dist/certs/*' -not -path 'dist/webhook/*' | sort)

# The gate CI runs (.ci/run): a clean build, so that no test compiled from a since-deleted source can
# run, lint, then every test at its short budget (tools/testkit/budget.ts).
test: $(INSTALLED)
	rm -rf dist
	npx tsc -p tsconfig.json
	$(MAKE) --no-print-directory lint
	$(RUN_TESTS)

# The same tests at their full budgets (TEST_BUDGET=full; each budget's own variable overrides it):
# 100,000 lookups, bursts of 100 admissions under every API fault, the property tests' long runs.
soak: $(INSTALLED)
	rm -rf dist
	npx tsc -p tsconfig.json
	TEST_BUDGET=full $(RUN_TESTS)

# certs is idempotent: it creates the development CA and certificate once and renews them near expiry.
run: build
	$(CLI) certs --out $(DEV_CERTS)
	$(CLI) serve --host 127.0.0.1 --tls-cert $(DEV_CERTS)/tls.crt --tls-key $(DEV_CERTS)/tls.key \
	  $(if $(PORT),--port $(PORT)) $(if $(METRICS_PORT),--metrics-port $(METRICS_PORT))

bench: build
	$(NODE) --enable-source-maps dist/tools/bench/bench.js

fuzz: build
	FUZZ_RUNS=$${FUZZ_RUNS:-100000} $(NODE) --enable-source-maps dist/tools/fuzz/fuzz.js

# The probes of issue-style attacks (README "Reliability"); HOSTILE_SECONDS=10 shortens the load.
hostile: build
	$(NODE) --enable-source-maps dist/tools/hostile/hostile.js

clean:
	rm -rf dist
