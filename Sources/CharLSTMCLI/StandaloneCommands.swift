// The standalone executables `charlstm-train` and `charlstm-sample`: the same
// commands as `charlstm train` / `charlstm sample`, under their own names in
// usage lines and help.

import ArgumentParser

/// `charlstm-train`: `charlstm train` as its own executable.
public struct StandaloneTrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "charlstm-train",
        abstract: TrainCommand.configuration.abstract,
        discussion: TrainCommand.configuration.discussion,
        version: charlstmVersion)

    @OptionGroup var command: TrainCommand

    public init() {}

    public mutating func validate() throws { try command.validate() }
    public mutating func run() throws { try command.run() }
}

/// `charlstm-sample`: `charlstm sample` as its own executable.
public struct StandaloneSampleCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "charlstm-sample",
        abstract: SampleCommand.configuration.abstract,
        discussion: SampleCommand.configuration.discussion,
        version: charlstmVersion)

    @OptionGroup var command: SampleCommand

    public init() {}

    public mutating func validate() throws { try command.validate() }
    public mutating func run() throws { try command.run() }
}
