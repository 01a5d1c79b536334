import CharLSTMCLI
runCommand(StandaloneTrainCommand.self, name: "charlstm-train")
