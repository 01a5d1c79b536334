// swift-tools-version:5.9
// charlstm: character-level LSTM language models on the CPU.
import PackageDescription

let package = Package(
    name: "charlstm",
    products: [
        .library(name: "CharLSTM", targets: ["CharLSTM"]),
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
        // All the logic: text, model, optimizers, checkpoints, training, sampling.
        .target(
            name: "CharLSTM",
            dependencies: ["CICU", "COpenBLAS", "CKernels", "CMPI"]
        ),
        // Command-line definitions shared by the three thin executables.
        .target(
            name: "CharLSTMCLI",
            dependencies: [
                "CharLSTM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "charlstm", dependencies: ["CharLSTMCLI"]),
        .executableTarget(name: "charlstm-train", dependencies: ["CharLSTMCLI"]),
        .executableTarget(name: "charlstm-sample", dependencies: ["CharLSTMCLI"]),
        // libFuzzer target over the checkpoint loader; real only under `make fuzz` (-DFUZZING).
        .executableTarget(name: "CheckpointFuzzer", dependencies: ["CharLSTM"], exclude: ["checkpoint.dict"]),
        .testTarget(name: "CharLSTMTests", dependencies: ["CharLSTM"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["CharLSTM"]),
    ]
)
