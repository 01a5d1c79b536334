import CharLSTMCLI
runCommand(StandaloneSampleCommand.self, name: "charlstm-sample")
