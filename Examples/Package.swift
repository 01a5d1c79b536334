// swift-tools-version:5.9
// An example program that depends on charlstm by path: trains for 50 steps on
// a text it makes itself, saves, reloads, samples and scores (see docs/library.md).
import PackageDescription

let package = Package(
    name: "charlstm-examples",
    dependencies: [.package(name: "charlstm", path: "..")],
    targets: [
        .executableTarget(name: "TrainSampleScore", dependencies: [.product(name: "CharLSTM", package: "charlstm")]),
    ]
)
