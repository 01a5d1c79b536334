import CharLSTMCLI
runCommand(TrainCommand.self, name: "charlstm-train")
