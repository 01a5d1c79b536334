// `charlstm bench`: the PyTorch peer's protocol, flags and JSON keys (../shared/bench/peer_torch.py).

import ArgumentParser
import CharLSTM

public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and sampling throughput on a text file.",
        discussion: """
        Trains an LSTM on your text file for --steps timed steps (after --warmup untimed \
        ones) and prints the training throughput in characters per second; --eval adds \
        the validation bits per grapheme, --sample-bench the sampling throughput. The \
        protocol: vocabulary = the file's distinct graphemes, the last 10% is validation, \
        B contiguous streams with carried state, Adam, clip 5, each step the one `charlstm \
        train` takes (a step whose loss explodes or is not a number ends the run with an \
        error: lower --lr). Its flags and JSON keys are those of a PyTorch reference \
        script, so the two compare side by side (docs/performance.md). Time a release \
        build (make build).
        """
    )

    @Argument(help: "The text to train on: any UTF-8 file of yours.")
    var corpus: String
    @Option(help: "Hidden size H.") var hidden = 128
    @Option(help: "Stacked LSTM layers L.") var layers = 2
    @Option(help: "Embedding size E.") var embed = 64
    @Option(help: "Parallel streams B.") var batch = 50
    @Option(help: "Time steps per window T.") var seq = 50
    @Option(help: "Timed training steps.") var steps = 100
    @Option(help: "Untimed warm-up steps.") var warmup = 5
    @Option(help: "Compute threads.") var threads = 2
    @Option(help: "Adam learning rate.") var lr = 2e-3
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Flag(help: "Also report validation bits per grapheme (val_bpc).") var eval = false
    @Option(name: .customLong("sample-bench"), help: "Also time N steps of batch-1 sampling at temperature 0.8.")
    var sampleBench = 0
    @Option(name: .customLong("forget-bias"),
            help: ArgumentHelp("LSTM forget-gate bias at initialisation: a number, or 'drawn' to draw it like the other biases (--bias-init) (default: \(InitialisationDefaults.forgetBiasText), as charlstm train does).", valueName: "x|drawn"))
    var forgetBias: String?
    @Option(name: .customLong("recurrent-init"),
            help: ArgumentHelp("How the recurrent weights start: uniform, or each gate block orthogonal (default: \(InitialisationDefaults.recurrent.rawValue), as charlstm train does).", valueName: "uniform|orthogonal"))
    var recurrentInit: RecurrentInitialisation?
    @Option(name: .customLong("bias-init"),
            help: ArgumentHelp("How the recurrent layers' biases start: pytorch, each the sum of two U(±1/√H) draws as the peer's two bias vectors, or uniform, one such draw (default: \(InitialisationDefaults.bias.rawValue), as charlstm train does).", valueName: "pytorch|uniform"))
    var biasInit: BiasInitialisation?
    @Option(name: .customLong("weight-drop"),
            help: ArgumentHelp("DropConnect probability on the recurrent weights in every step, as charlstm train --weight-drop; 0 is off.", valueName: "p"))
    var weightDrop = 0.0
    @Option(name: .customLong("dropout"),
            help: ArgumentHelp("Dropout between layers in every step, as charlstm train --dropout; 0 is off.", valueName: "p"))
    var dropout = 0.0
    @Option(name: .customLong("dropout-mask"),
            help: ArgumentHelp("step: a fresh dropout mask at every time step; window: one per stream and unit for the whole window, as charlstm train --dropout-mask; needs --dropout above 0.", valueName: "step|window"))
    var dropoutMask = DropoutMask.step
    @Flag(help: "Print one JSON line instead of text: the peer's keys plus peak_rss_mib, blas_core (the OpenBLAS kernel family) and simd (charlstm's own kernels).")
    var json = false

    public init() {}

    public func validate() throws {
        for (name, v) in [("hidden", hidden), ("layers", layers), ("embed", embed), ("batch", batch),
                          ("seq", seq), ("steps", steps), ("threads", threads)] where v < 1 {
            throw ValidationError("--\(name) must be at least 1 (got \(v))")
        }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more (got \(warmup))") }
        if sampleBench < 0 { throw ValidationError("--sample-bench must be 0 or more (got \(sampleBench))") }
        if !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number (got \(lr))") }
        if let forgetBias { _ = try parseForgetBias(forgetBias) }
        if !(weightDrop >= 0 && weightDrop < 1) { throw ValidationError("--weight-drop must be at least 0 and below 1 (got \(weightDrop))") }
        if !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be at least 0 and below 1 (got \(dropout))") }
        if dropoutMask == .window && dropout == 0 {
            throw ValidationError("--dropout-mask window needs --dropout above 0 (with dropout 0 there is no mask to keep); give --dropout P, e.g. 0.3")
        }
    }

    public func run() throws {
        let (ids, vocab) = try benchmarkEncode(corpus)
        var s = BenchmarkSettings()
        (s.hidden, s.layers, s.embed, s.batch, s.seq) = (hidden, layers, embed, batch, seq)
        (s.steps, s.warmup, s.threads, s.learningRate, s.seed) = (steps, warmup, threads, lr, seed)
        s.evaluate = eval
        s.sampleSteps = sampleBench
        s.forgetBias = try forgetBias.map(parseForgetBias) ?? InitialisationDefaults.forgetBias
        s.recurrentInit = recurrentInit ?? InitialisationDefaults.recurrent
        s.biasInit = biasInit ?? InitialisationDefaults.bias
        s.weightDrop = weightDrop
        s.dropout = dropout
        s.dropoutMask = dropoutMask
        let r = try runBenchmark(ids: ids, vocab: vocab, settings: s)
        let out = OutputStream.standardOutput
        if json {
            out.line(r.json)
            return
        }
        out.line("params \(r.params) vocab \(r.vocab)")
        out.line("train_loss_last \(fixed(r.trainLossLast, 4))")
        out.line("chars_per_s \(fixed(r.trainCharsPerSecond, 0))")
        if let v = r.valBPC { out.line("val_bpc \(fixed(v, 4))") }
        if let v = r.sampleCharsPerSecond { out.line("sample_chars_per_s \(fixed(v, 0))") }
        if let v = r.peakRSSMiB { out.line("peak_rss_mib \(fixed(v, 1))") }
        if let k = r.kernels {
            out.line("blas_core \(k.blasCoreDescription)")
            out.line("simd \(k.simd)")
        }
    }
}
