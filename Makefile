# The two commands of the README: `make demo` and `make test`. Each installs
# missing Debian packages, configures and builds, then runs.
BUILD ?= build
JOBS ?= $(shell nproc)
PYTHON ?= /usr/bin/python3
STRATA := $(BUILD)/bin/strata
DEMO_OUT ?= $(BUILD)/demo

.PHONY: deps configure build demo test clean

deps:
	@./scripts/install-deps.sh

configure: deps
	@if [ ! -f $(BUILD)/CMakeCache.txt ]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_NATIVE=ON -DPython_EXECUTABLE=$(PYTHON); fi

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./scripts/demo.sh $(STRATA) $(DEMO_OUT)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)
