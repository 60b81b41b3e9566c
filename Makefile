# The README's commands. Everything goes through scripts/ so CI and people run the same steps.
BUILD ?= build
JOBS ?= $(shell nproc)
# ccache (used when installed, see CMakeLists.txt): paths relative to the checkout, so that a fresh
# clone in another directory (CI) reuses what an earlier one compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all deps build demo test test-unit test-asan bench bench-approval bench-supervision clean format

all: build

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh

test: build
	bash scripts/test.sh

test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DYIWANG_SANITIZE=ON -DYIWANG_UNIT_ONLY=ON >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure

bench: build
	bash bench/run.sh

bench-approval: build
	bash bench/approval.sh

bench-supervision: build
	bash bench/supervision.sh

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp')

clean:
	rm -rf $(BUILD) build-asan
