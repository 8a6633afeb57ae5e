# The README's commands. Each installs missing Debian packages, configures,
# builds, then runs. Everything real lives in CMake; this file only sequences.
BUILD      ?= build
JOBS       ?= 2
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 60

.PHONY: all deps build test run package fuzz bench bench-scale bench-peers soak test-asan fresh-check clean

all: build

deps:
	@packaging/debian-deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKINTSUGI_BENCH=ON -DKINTSUGI_FUZZ=OFF -DKINTSUGI_SANITIZE=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Two Debian packages in $(BUILD)/packages (packaging/package.cmake), then
# lintian's verdict on them (package_test holds it to the accepted warnings).
package: build
	@cd $(BUILD) && cpack
	@lintian --pedantic --fail-on error $(BUILD)/packages/*.deb

run: build
	@packaging/demo.sh $(BUILD)

bench: build
	@packaging/debian-deps.sh build bench
	@bench/run.sh $(BUILD)

bench-scale: build
	@packaging/debian-deps.sh build bench
	@bench/scale.sh $(BUILD)

# Kintsugi beside Hypercore and Syncthing on this machine (not in CI: npm
# fetches Hypercore from the network).
bench-peers: build
	@packaging/debian-deps.sh build bench peers
	@bench/peers/run.sh $(BUILD)

# SIGKILL at random moments during heavy appends and sync, many times over;
# then (as root: network namespaces) random partition schedules between two
# hosts while both write, each ending in the same ledger and views.
soak: build
	KINTSUGI_CRASH_TRIALS=$${KINTSUGI_CRASH_TRIALS:-1000} $(BUILD)/tests/integration/crash_test
	$(BUILD)/tests/integration/netns_test --gtest_filter='*RandomPartitions*' \
	  --gtest_repeat=$${KINTSUGI_PARTITION_SCHEDULES:-100} --gtest_brief=1

fuzz:
	@packaging/debian-deps.sh build fuzz
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DKINTSUGI_FUZZ=ON -DKINTSUGI_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_targets
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKINTSUGI_SANITIZE=ON -DKINTSUGI_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

# make test on a minimal Debian 12 root with only the base system and git
# (root only; many minutes; not part of CI). docs/RELIABILITY.md keeps its last result.
fresh-check:
	@packaging/fresh-check.sh

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD)
