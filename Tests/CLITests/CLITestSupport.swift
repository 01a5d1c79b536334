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
    // Write stdin and read both pipes concurrently so neither a large input nor a
    // large output can dead-lock.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    let writer = input.fileHandleForWriting
    DispatchQueue.global().async {
        writeIgnoringBrokenPipe(writer.fileDescriptor, stdin ?? Data())
        try? writer.close()
        group.leave()
    }
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

/// Writes `data` to the pipe `fd`. A child that exits without reading all of its
/// input closes the pipe's other end; the write then fails with EPIPE, and the
/// SIGPIPE it raises, blocked on this thread, is taken back before the thread's
/// signal mask is restored, so it cannot kill the test process.
func writeIgnoringBrokenPipe(_ fd: Int32, _ data: Data) {
    var pipeSignal = sigset_t(), previous = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
    data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
        }
    }
    var zero = timespec(tv_sec: 0, tv_nsec: 0)
    while sigtimedwait(&pipeSignal, nil, &zero) == SIGPIPE {}
    pthread_sigmask(SIG_SETMASK, &previous, nil)
}

/// A fresh temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
