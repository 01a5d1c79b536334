import CharLSTMCLI
runCommand(SampleCommand.self, name: "charlstm-sample")
