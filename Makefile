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
