import CharLSTMCLI
// `predict` skips ArgumentParser when its arguments are simple (start-up speed; see PredictCommand.swift).
runPredictFastPath(Array(CommandLine.arguments.dropFirst()), name: "charlstm")
runCommand(CharLSTMCommand.self, name: "charlstm")
