// `charlstm train`.

import ArgumentParser
import CharLSTM

public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "(train: not implemented yet)"
    )

    public init() {}

    public func run() throws {
        throw NotImplemented(what: "charlstm train")
    }
}
