# The front door. `make test` and `make demo` do all set-up on a fresh Debian 12 machine.
.PHONY: all setup configure build test test-unit test-contracts test-asan bench demo fmt lint clean

PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)
# Warnings are errors in CI; locally they stay warnings unless WERROR=ON.
WERROR ?= $(if $(CI),ON,OFF)

all: build

setup:
	@bash scripts/setup

configure: setup
	@cmake --preset $(PRESET) -DWAVS_WERROR=$(WERROR) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every suite: C++ unit and integration tests (ctest), then the contracts (forge).
test: build
	@bash scripts/test $(BUILD_DIR)

test-unit: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -L unit -j $(JOBS)

test-contracts: setup
	@bash scripts/test-contracts

# The engine and core libraries under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: setup
	@cmake --preset asan -DWAVS_WERROR=$(WERROR) >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@ctest --test-dir build/asan --output-on-failure -L sanitize -j $(JOBS)

bench: build
	@bash scripts/bench $(BUILD_DIR)

demo: build
	@bash scripts/demo $(BUILD_DIR)

fmt:
	@git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | grep -v '^third_party/' | xargs -r clang-format -i

# clang-tidy on the C++ files changed against main (all files with ALL=1).
lint: configure
	@bash scripts/lint $(BUILD_DIR)

clean:
	@rm -rf build
