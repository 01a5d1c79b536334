import CharLSTMCLI
runCommand(CharLSTMCommand.self, name: "charlstm")
