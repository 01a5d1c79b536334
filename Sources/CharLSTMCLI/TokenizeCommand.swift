// `charlstm tokenize`.

import ArgumentParser
import CharLSTM

public struct TokenizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "(tokenize: not implemented yet)"
    )

    public init() {}

    public func run() throws {
        throw NotImplemented(what: "charlstm tokenize")
    }
}
