// CharLSTM: the library's one import for programs that depend on charlstm.
// It re-exports the modules in dependency order (see Package.swift); what they
// declare `public` is the API documented in docs/library.md, and everything else
// is `package`, shared between this package's modules and invisible outside it.
@_exported import CharLSTMSupport
@_exported import CharLSTMText
@_exported import CharLSTMModel
@_exported import CharLSTMCheckpoint
@_exported import CharLSTMSampling
@_exported import CharLSTMTraining
@_exported import CharLSTMBench
