// AdaptationOptions: `--adapt` and its settings, shared by score, predict and
// sample (dynamic evaluation: the library's DynamicEvaluator; docs/adaptation.md).

import ArgumentParser
import CharLSTM

/// Whether and how the model keeps learning from the text it reads.
struct AdaptationOptions: ParsableArguments {
    @Flag(help: "Dynamic evaluation: the model takes a small update after every segment of text it has read (see docs/adaptation.md).")
    var adapt = false

    @Option(name: .customLong("adapt-lr"), parsing: .unconditional,
            help: ArgumentHelp("With --adapt: the learning rate of the updates (> 0; default \(AdaptationSettings.defaults.learningRate)).",
                               valueName: "x"))
    var learningRate: Double?

    @Option(name: .customLong("adapt-decay"), parsing: .unconditional,
            help: ArgumentHelp("With --adapt: the fraction of the way back to the trained weights taken at each update (0 to below 1; default \(AdaptationSettings.defaults.decay)).",
                               valueName: "x"))
    var decay: Double?

    @Option(name: .customLong("adapt-segment"), parsing: .unconditional,
            help: ArgumentHelp("With --adapt: graphemes read between two updates (1 to \(AdaptationSettings.maximumSegment); default \(AdaptationSettings.defaults.segment)).",
                               valueName: "n"))
    var segment: Int?

    init() {}

    /// The settings asked for; nil without --adapt.
    var settings: AdaptationSettings? {
        guard adapt else { return nil }
        let d = AdaptationSettings.defaults
        return AdaptationSettings(learningRate: learningRate ?? d.learningRate, decay: decay ?? d.decay,
                                  segment: segment ?? d.segment)
    }

    func validate() throws {
        if let problem = problem() { throw ValidationError(problem) }
    }

    /// A one-line description of the first invalid setting, in the flags' words, or nil.
    func problem() -> String? {
        if !adapt {
            for (flag, given) in [("--adapt-lr", learningRate != nil), ("--adapt-decay", decay != nil),
                                  ("--adapt-segment", segment != nil)] where given {
                return "\(flag) goes with --adapt"
            }
            return nil
        }
        switch settings?.problem() {
        case .learningRate(let x)?: return "--adapt-lr must be a number above 0 (got \(x))"
        case .decay(let x)?: return "--adapt-decay must be at least 0 and below 1 (got \(x))"
        case .segment(let n)?: return "--adapt-segment must be between 1 and \(AdaptationSettings.maximumSegment) (got \(n))"
        case nil: return nil
        }
    }
}
