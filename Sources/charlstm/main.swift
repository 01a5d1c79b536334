import CharLSTMCLI
// `predict` is parsed on its own, without the command tree, when its arguments are valid (start-up speed; see PredictCommand.swift).
runPredictFastPath(Array(CommandLine.arguments.dropFirst()), name: "charlstm")
runCommand(CharLSTMCommand.self, name: "charlstm")
