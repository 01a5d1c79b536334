// The `charlstm` front end: one executable, one subcommand per job.

import ArgumentParser
import CharLSTM

/// `charlstm`: train character-level language models and sample from them.
public struct CharLSTMCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "charlstm",
        abstract: "Train character-level LSTM language models and sample text from them.",
        discussion: """
        A character is a Unicode extended grapheme cluster (ICU), after NFC \
        normalization by default. stdout carries only the product; progress and \
        diagnostics go to stderr.
        """,
        version: charlstmVersion,
        subcommands: [
            TrainCommand.self, SampleCommand.self, PredictCommand.self, ScoreCommand.self,
            FillCommand.self, ShowCommand.self, InfoCommand.self, TokenizeCommand.self, BenchCommand.self, ExportCommand.self,
        ]
    )

    public init() {}
}

/// The version printed by `--version`.
public let charlstmVersion = "0.1.0"
