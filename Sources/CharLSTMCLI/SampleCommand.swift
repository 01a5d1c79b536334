// `charlstm sample`.

import ArgumentParser
import CharLSTM

public struct SampleCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "(sample: not implemented yet)"
    )

    public init() {}

    public func run() throws {
        throw NotImplemented(what: "charlstm sample")
    }
}
