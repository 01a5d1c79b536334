// Runs the real executables built by SwiftPM and captures stdout, stderr and status.
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import Foundation

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutData: Data
}

/// The directory holding the built executables (next to the test bundle).
func productsDirectory() -> URL {
    let bundle = Bundle(for: CLIMarker.self).bundleURL
    // macOS: .../debug/X.xctest is a bundle directory; Linux: the bundle URL is .../debug itself.
    return bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
}

final class CLIMarker {}

/// Same as `run`; a name that does not clash with `XCTestCase.run()` inside test methods.
@discardableResult
func runTool(_ executable: String, _ arguments: [String], stdin: Data? = nil,
             directory: URL? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    try run(executable, arguments, stdin: stdin, directory: directory, environment: environment)
}

/// Runs `executable` (a product name such as "charlstm") with `arguments`,
/// feeding `stdin` bytes, in `directory` if given.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
         directory: URL? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    try runPath(productsDirectory().appendingPathComponent(executable).path, arguments, stdin: stdin,
                directory: directory, environment: environment)
}

/// Runs the executable at absolute `path` (any program, e.g. /bin/sh) the same way.
@discardableResult
func runPath(_ path: String, _ arguments: [String], stdin: Data? = nil, directory: URL? = nil,
             environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a large output cannot dead-lock.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self),
                         stdoutData: outData)
}

/// A fresh temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
