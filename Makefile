# charlstm: make setup | build | test | run | install | fuzz | bench
SWIFT   ?= swift
PREFIX  ?= /usr/local
RELEASE := .build/release

.PHONY: setup build test run install fuzz bench clean

setup:            ## install missing Debian packages (ICU, OpenBLAS, unicode-data)
	@scripts/setup.sh

build: setup      ## release build of all executables
	$(SWIFT) build -c release

test: setup       ## the whole test suite (unit + executables)
	$(SWIFT) build
	$(SWIFT) test

clean:
	rm -rf .build
