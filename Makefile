# charlstm: make setup | build | test | run | install | bench | fuzz
SWIFT   ?= swift
PREFIX  ?= /usr/local
RELEASE := .build/release
# The text of the demo's one-minute training run. Empty (the default): this
# project's own Swift sources, which every clone has; or any UTF-8 file, e.g.
# make run DEMO_CORPUS=corpora/tinyshakespeare.txt (corpora/get.sh fetches it).
DEMO_CORPUS ?=
DEMO_STEPS  ?= 1000

.PHONY: setup build test run install uninstall bench fuzz clean

setup:            ## install missing Debian packages (ICU, OpenBLAS, unicode-data, rsvg, chromium, strace, openmpi-bin)
	@scripts/setup.sh

# The Swift runtime is linked statically: about 5 ms less start-up per process
# (measured on `predict`), which matters inside shell pipes.
build: setup      ## release build of all executables
	$(SWIFT) build -c release --static-swift-stdlib

test: setup       ## the whole test suite (unit tests + the real executables)
	@scripts/test.sh

run: build        ## demo: sample from the bundled model, then train for a minute and sample again
	@DEMO_STEPS="$(DEMO_STEPS)" scripts/demo.sh "$(RELEASE)" "$(DEMO_CORPUS)"

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

# libFuzzer over CheckpointFile.decode: FUZZ_SECONDS of fuzzing, seeded with the
# golden checkpoints; the corpus grows in .build-fuzz/corpus, crashes land in
# .build-fuzz/artifacts/ (add each as Tests/CharLSTMTests/Fixtures/fuzz-regressions/).
# -malloc_limit_mb turns any allocation over 64 MB from an input of at most 8 KB into a failure.
FUZZ_SECONDS ?= 60
FUZZ_DIR     ?= .build-fuzz
fuzz:             ## fuzz the checkpoint loader for FUZZ_SECONDS (default 60)
	$(SWIFT) build --scratch-path $(FUZZ_DIR) -c release --product CheckpointFuzzer \
	    -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	cp Tests/CharLSTMTests/Fixtures/*.ckpt $(FUZZ_DIR)/corpus/
	$(FUZZ_DIR)/release/CheckpointFuzzer $(FUZZ_DIR)/corpus \
	    -dict=Sources/CheckpointFuzzer/checkpoint.dict -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=8192 -malloc_limit_mb=64 -rss_limit_mb=1024 -timeout=10 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/ -print_final_stats=1

clean:
	rm -rf .build
