# charlstm: make setup | build | test | run | install | bench | fuzz
SWIFT   ?= swift
PREFIX  ?= /usr/local
RELEASE := .build/release
# A corpus for the demo's one-minute training run: the shared copy if present,
# else one fetched by corpora/get.sh (skipped when neither is available).
DEMO_CORPUS ?= $(firstword $(wildcard ../shared/corpora/tinyshakespeare.txt corpora/tinyshakespeare.txt))

.PHONY: setup build test run install uninstall bench clean

setup:            ## install missing Debian packages (ICU, OpenBLAS, unicode-data, rsvg)
	@scripts/setup.sh

build: setup      ## release build of all executables
	$(SWIFT) build -c release

test: setup       ## the whole test suite (unit tests + the real executables)
	$(SWIFT) build
	$(SWIFT) test

run: build        ## demo: sample from the bundled model, then train for a minute and sample again
	@scripts/demo.sh "$(RELEASE)" "$(DEMO_CORPUS)"

install: build    ## install executables and the bundled model under $(PREFIX)
	install -d "$(PREFIX)/bin" "$(PREFIX)/share/charlstm"
	install -m 755 $(RELEASE)/charlstm $(RELEASE)/charlstm-train $(RELEASE)/charlstm-sample "$(PREFIX)/bin/"
	install -m 644 checkpoints/shakespeare.ckpt "$(PREFIX)/share/charlstm/"

uninstall:
	rm -f "$(PREFIX)/bin/charlstm" "$(PREFIX)/bin/charlstm-train" "$(PREFIX)/bin/charlstm-sample"
	rm -rf "$(PREFIX)/share/charlstm"

bench: build      ## side-by-side ratios against the PyTorch peer (installs it once)
	../shared/bench/setup-peer.sh
	../shared/bench/compare.sh $(RELEASE)/charlstm 3

clean:
	rm -rf .build
