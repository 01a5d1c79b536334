// `charlstm info`.

import ArgumentParser
import CharLSTM

public struct InfoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "(info: not implemented yet)"
    )

    public init() {}

    public func run() throws {
        throw NotImplemented(what: "charlstm info")
    }
}
