// `charlstm score`.

import ArgumentParser
import CharLSTM

public struct ScoreCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "(score: not implemented yet)"
    )

    public init() {}

    public func run() throws {
        throw NotImplemented(what: "charlstm score")
    }
}
