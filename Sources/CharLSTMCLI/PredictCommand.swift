// `charlstm predict`.

import ArgumentParser
import CharLSTM

public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "(predict: not implemented yet)"
    )

    public init() {}

    public func run() throws {
        throw NotImplemented(what: "charlstm predict")
    }
}
