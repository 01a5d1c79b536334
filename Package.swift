// swift-tools-version:5.9
// charlstm: character-level LSTM language models on the CPU.
import PackageDescription

let package = Package(
    name: "charlstm",
    products: [
        // The facade and the modules it re-exports (a dependent that names them all rebuilds on any change).
        .library(name: "CharLSTM", targets: [
            "CharLSTM", "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint",
            "CharLSTMSampling", "CharLSTMTraining", "CharLSTMBench",
        ]),
        .executable(name: "charlstm", targets: ["charlstm"]),
        .executable(name: "charlstm-train", targets: ["charlstm-train"]),
        .executable(name: "charlstm-sample", targets: ["charlstm-sample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C shim over ICU (libicu-dev): grapheme breaks over UTF-8 and normalization.
        // ICU's versioned symbol names stay inside this target.
        .target(
            name: "CICU",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("icuuc")]
        ),
        // OpenBLAS's CBLAS products, loaded with dlopen on first use (not linked):
        // Debian's threaded build (libopenblas0-pthread) with OPENBLAS_NUM_THREADS=1, since
        // charlstm schedules its own threads (ComputeThreads) and calls OpenBLAS from
        // several at once, which only the threaded builds' locked buffer pool allows.
        // Processes that never multiply matrices by BLAS (batch-1 predict, sample,
        // score) never load it.
        .target(
            name: "COpenBLAS",
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // Open MPI for data-parallel training, loaded with dlopen on first use (not
        // linked, no headers): only `charlstm train` started by mpirun loads it.
        .target(
            name: "CMPI",
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // Vectorised element-wise kernels (gate nonlinearities), compiled with -O3.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=fast"])]
        ),
        // The library, in dependency order; each module imports only those above it:
        //   CharLSTMSupport → CharLSTMText → CharLSTMModel → CharLSTMCheckpoint
        //     → CharLSTMSampling, CharLSTMTraining → CharLSTMBench → CharLSTM (the public API)
        // Modules share with `package` access; only the API in docs/library.md is `public`.
        // Each target names every module it imports, not only the one before it: SwiftPM
        // rebuilds a module when a direct dependency changes, so a transitive-only edge
        // leaves stale code (e.g. an @inlinable body or an enum layout from Support).
        // Buffers, BLAS scalars, compute threads, JSON, POSIX and number formatting.
        .target(name: "CharLSTMSupport", dependencies: ["COpenBLAS", "CKernels"]),
        // UTF-8 input, grapheme tokenizer, vocabulary, token ids, corpora.
        .target(name: "CharLSTMText", dependencies: ["CharLSTMSupport", "CICU"]),
        // Layers, models and their parameter layout (Model/); optimizers (Optim/).
        .target(name: "CharLSTMModel", dependencies: ["CharLSTMSupport", "CharLSTMText"]),
        // The checkpoint file: format, encoder, decoder, mapped reads, atomic writes, search.
        .target(name: "CharLSTMCheckpoint", dependencies: ["CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CKernels"]),
        // Inference, sampling, predict and score (Sampling/); hole filling (Fill/); show (Show/).
        .target(name: "CharLSTMSampling", dependencies: [
            "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint", "CKernels",
        ]),
        // Training: schedule, batches, the training step, the trainer and its outputs.
        // Distributed/: data-parallel training over MPI (CMPI, libmpi loaded with dlopen).
        .target(name: "CharLSTMTraining", dependencies: [
            "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint", "CMPI",
        ]),
        // `bench`: times training's step and sampling.
        .target(name: "CharLSTMBench", dependencies: [
            "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint", "CharLSTMSampling", "CharLSTMTraining",
        ]),
        // The facade: re-exports the modules above; their `public` declarations are the library's API.
        .target(name: "CharLSTM", dependencies: [
            "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint",
            "CharLSTMSampling", "CharLSTMTraining", "CharLSTMBench",
        ]),
        // Command-line definitions shared by the three thin executables.
        .target(
            name: "CharLSTMCLI",
            dependencies: [
                // The facade re-exports the modules; naming them makes a change in one rebuild the CLI.
                "CharLSTM", "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint",
                "CharLSTMSampling", "CharLSTMTraining", "CharLSTMBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "charlstm", dependencies: ["CharLSTMCLI"]),
        .executableTarget(name: "charlstm-train", dependencies: ["CharLSTMCLI"]),
        .executableTarget(name: "charlstm-sample", dependencies: ["CharLSTMCLI"]),
        // libFuzzer target over the checkpoint loader; real only under `make fuzz` (-DFUZZING).
        .executableTarget(name: "CheckpointFuzzer", dependencies: ["CharLSTM", "CharLSTMCheckpoint"], exclude: ["checkpoint.dict"]),
        // The tests name every module they import (@testable), so that a change in one rebuilds them.
        .testTarget(name: "CharLSTMTests", dependencies: [
            "CharLSTM", "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint",
            "CharLSTMSampling", "CharLSTMTraining", "CharLSTMBench", "CKernels", "COpenBLAS",
        ], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: [
            "CharLSTM", "CharLSTMSupport", "CharLSTMText", "CharLSTMModel", "CharLSTMCheckpoint",
            "CharLSTMSampling", "CharLSTMTraining", "CharLSTMBench",
        ]),
    ]
)
