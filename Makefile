# lampi: `make run` starts the stack, `make test` builds and runs every test.
# Both install missing Debian packages first (scripts/install-deps).
BUILD_DIR ?= build/release
ASAN_DIR ?= build/asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# -g1 (line tables: symbolised backtraces) compiles this Asio/Beast-heavy code ~35% faster than -g.
RELEASE_FLAGS ?= -O2 -g1 -DNDEBUG
DEBUG_FLAGS ?= -g1
# End-to-end tests mostly wait on sockets and timers: run them 4 at a time even on 2 cores.
E2E_JOBS ?= 4

.PHONY: all deps build asan test unit-test asan-test web-test e2e-test run web bench format clean

all: build

deps:
	@./scripts/install-deps

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$(RELEASE_FLAGS)" $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j $(JOBS)

$(ASAN_DIR)/build.ninja: | deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	    -DLAMPI_SANITIZE=address,undefined -DLAMPI_BUILD_APPS=OFF \
	    -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=0 \
	    "-DCMAKE_CXX_FLAGS_DEBUG=$(DEBUG_FLAGS)" $(CMAKE_FLAGS)

# Only the unit-test binaries (and what they link) are built with the sanitizers; each library is
# one translation unit there (the tests are not: see lampi_unit_test in CMakeLists.txt).
asan: deps $(ASAN_DIR)/build.ninja
	ninja -C $(ASAN_DIR) -j $(JOBS) $$(ninja -C $(ASAN_DIR) -t targets all | grep -E '^[a-z_]+_test: ' | cut -d: -f1)

unit-test: build
	ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

asan-test: asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(ASAN_DIR) -L unit --output-on-failure -j $(JOBS)

e2e-test: build web
	LAMPI_BIN=$(CURDIR)/$(BUILD_DIR)/apps /usr/bin/python3 -m pytest -q -p no:cacheprovider \
	    -n $(E2E_JOBS) tests/e2e

web-test: web
	cd web && npm test

# Every test: unit tests (plain and under ASan+UBSan), the web UI's unit tests, the
# end-to-end suites against the real binaries (browser tests included), a representative e2e set
# against a ThreadSanitizer broker, and a short run of every fuzz target after replaying its
# saved crashes. The TSan and fuzz builds run at the lowest CPU priority while the end-to-end
# tests (which mostly wait on sockets) run, so that all of it fits in 15 minutes on 2 cores.
test: unit-test asan-test web-test
	@mkdir -p build; \
	nice -n 19 sh -c 'TSAN_BUILD_ONLY=1 ./scripts/tsan-test && FUZZ_BUILD_ONLY=1 ./scripts/fuzz' \
	    > build/sanitizer-builds.log 2>&1 & builds=$$!; \
	e2e=0; $(MAKE) --no-print-directory e2e-test || e2e=$$?; \
	echo "make test: waiting for the TSan and fuzz builds (build/sanitizer-builds.log)"; \
	if ! wait $$builds; then tail -50 build/sanitizer-builds.log; exit 1; fi; \
	[ $$e2e -eq 0 ] || exit $$e2e; \
	TSAN_SKIP_BUILD=1 ./scripts/tsan-test && $(MAKE) --no-print-directory fuzz-smoke

web: deps
	./web/build.sh

run: build web
	./scripts/run-stack

bench: build
	./bench/compare.sh

format:
	find src apps tests -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build

# Reliability (docs/reliability.md): libFuzzer targets (60 s each; fuzz-smoke: 6 s each, after
# replaying tests/fuzz/regressions) and the e2e tests against a ThreadSanitizer broker.
.PHONY: fuzz fuzz-smoke tsan-test

fuzz:
	./scripts/fuzz

fuzz-smoke:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-6} ./scripts/fuzz

tsan-test:
	./scripts/tsan-test
