# lampi: `make run` starts the stack, `make test` builds and runs every test.
# Both install missing Debian packages first (scripts/install-deps).
BUILD_DIR ?= build/release
ASAN_DIR ?= build/asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build asan test unit-test asan-test web-test e2e-test run web bench format clean

all: build

deps:
	@./scripts/install-deps

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j $(JOBS)

$(ASAN_DIR)/build.ninja: | deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	    -DLAMPI_SANITIZE=address,undefined -DLAMPI_BUILD_APPS=OFF $(CMAKE_FLAGS)

# Only the unit-test binaries (and what they link) are built with the sanitizers.
asan: deps $(ASAN_DIR)/build.ninja
	ninja -C $(ASAN_DIR) -j $(JOBS) $$(ninja -C $(ASAN_DIR) -t targets all | grep -E '^[a-z_]+_test: ' | cut -d: -f1)

unit-test: build
	ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

asan-test: asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(ASAN_DIR) -L unit --output-on-failure -j $(JOBS)

e2e-test: build web
	LAMPI_BIN=$(CURDIR)/$(BUILD_DIR)/apps /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e

web-test: web
	cd web && npm test

# Every test: unit tests (plain and under ASan+UBSan), the web UI's unit tests, and the
# end-to-end suites against the real binaries (browser tests included). `make tsan-test` and
# `make fuzz-smoke` are separate: each takes minutes more than the 15-minute budget allows.
test: unit-test asan-test web-test e2e-test

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

# Reliability (docs/reliability.md): libFuzzer targets (60 s each; fuzz-smoke: 10 s each, after
# replaying tests/fuzz/regressions) and the e2e tests against a ThreadSanitizer broker.
.PHONY: fuzz fuzz-smoke tsan-test

fuzz:
	./scripts/fuzz

fuzz-smoke:
	FUZZ_SECONDS=10 ./scripts/fuzz

tsan-test:
	./scripts/tsan-test
