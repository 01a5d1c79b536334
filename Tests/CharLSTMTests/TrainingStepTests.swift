// TrainingStep: where the reduction seam sits, what it controls, and that a failed step changes nothing.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TrainingStepTests: XCTestCase {
    /// A 1-layer LSTM (E 4, H 6, V 9) with its optimizer, and one (T 5, B 3) window.
    private struct Setup {
        let model: Model<Float>
        let optimizer: Optimizer<Float>
        let state: RecurrentState<Float>
        var rng: RandomGenerator
        let inputs: [Int32], targets: [Int32]

        init(optimizer kind: OptimizerKind = .adam) {
            let config = ModelConfig(cell: .lstm, layers: 1, embed: 4, hidden: 6, vocab: 9)
            model = Model<Float>(config: config)
            rng = RandomGenerator(seed: 5)
            model.initialize(rng: &rng)
            optimizer = Optimizer<Float>(kind: kind, parameterCount: model.parameterCount)
            state = model.makeState(batch: 3)
            var ids = RandomGenerator(seed: 9)
            let all = (0..<18).map { _ in Int32(ids.nextInt(below: 9)) }
            inputs = Array(all[0..<15])
            targets = Array(all[3..<18])
        }

        mutating func run(_ step: TrainingStep) -> TrainingStep.Outcome {
            step.run(model: .forward(model), optimizer: optimizer, inputs: inputs, targets: targets, steps: 5,
                     state: state, rng: &rng, learningRate: 0.1)
        }
    }

    /// How many parameters differ from `before` in any bit.
    private func changed(_ before: [Float], _ after: Buffer<Float>) -> Int {
        zip(before, after.array).filter { $0.bitPattern != $1.bitPattern }.count
    }

    private func plain() -> TrainingStep { TrainingStep(gradClip: 5, explodingLoss: TrainingStep.explodingLoss(vocab: 9)) }

    /// The seam is called once per step with the gradients backward produced, and
    /// the loss and gradients it leaves are what the checks, the clip and the
    /// optimizer use: zeroed gradients leave SGD's parameters as they were, and the
    /// loss returned is the reduced one.
    func testTheReductionSeesBackwardsGradientsAndDecidesTheUpdate() throws {
        var reference = Setup(optimizer: .sgd)
        guard case .updated(let local, let localNorm) = reference.run(plain()) else { return XCTFail("reference step failed") }
        XCTAssertGreaterThan(localNorm, 0)

        var s = Setup(optimizer: .sgd)
        let before = s.model.parameters.array
        var calls = 0
        var step = plain()
        step.reduce = { gradients, loss in
            calls += 1
            // What backward left: the norm the step without a reduction clipped.
            var sum = 0.0
            for k in 0..<gradients.count { sum += Double(gradients[k]) * Double(gradients[k]) }
            XCTAssertEqual(sum.squareRoot(), localNorm, accuracy: 1e-9 * localNorm)
            XCTAssertEqual(loss.nats, local.nats)
            XCTAssertEqual(loss.targets, 15)
            // As if a second replica had half the targets and twice the loss per target.
            loss.nats *= 2
            loss.targets += 15
            for k in 0..<gradients.count { gradients[k] = 0 }
        }
        guard case .updated(let reduced, let norm) = s.run(step) else { return XCTFail("step failed") }
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(norm, 0)
        XCTAssertEqual(reduced.nats, 2 * local.nats)
        XCTAssertEqual(reduced.targets, 30)
        XCTAssertEqual(changed(before, s.model.parameters), 0)
        XCTAssertEqual(s.optimizer.step, 1)
    }

    /// A NaN on any replica fails the step on all: the loss and the norm are checked
    /// after the reduction, and a failed step leaves parameters and moments untouched.
    func testTheChecksReadTheReducedLossAndGradients() {
        for poison in ["loss", "gradient"] {
            var s = Setup()
            let before = s.model.parameters.array
            var step = plain()
            step.reduce = { gradients, loss in
                if poison == "loss" { loss.nats = .nan } else { gradients[gradients.count - 1] = .infinity }
            }
            guard case .failed(let failure) = s.run(step) else { XCTFail("\(poison): the step was applied"); continue }
            XCTAssertEqual(failure.description, poison == "loss" ? "the loss is NaN" : "the gradient norm is infinite")
            XCTAssertEqual(changed(before, s.model.parameters), 0, poison)
            XCTAssertEqual(s.optimizer.moment1.array, [Float](repeating: 0, count: s.model.parameterCount), poison)
            XCTAssertEqual(s.optimizer.step, 0, poison)
        }
    }

    /// A mean loss above `explodingLoss` fails the step, named in bits per grapheme.
    func testExplodingLossIsNotApplied() {
        var s = Setup()
        let before = s.model.parameters.array
        let step = TrainingStep(gradClip: 5, explodingLoss: 0.5)   // ln 9 ≈ 2.2 nats at initialisation
        guard case .failed(let failure) = s.run(step) else { return XCTFail("the step was applied") }
        guard case .lossExploded(let mean) = failure else { return XCTFail("\(failure)") }
        XCTAssertEqual(failure.description, "the loss exploded to \(fixed(mean / ln2, 2)) bits per grapheme")
        XCTAssertTrue(mean > 1.5 && mean < 3, "\(mean)")
        XCTAssertEqual(changed(before, s.model.parameters), 0)
    }

    /// `afterBackward` sees this process's gradients before the reduction does.
    func testAfterBackwardComesBeforeTheReduction() {
        var s = Setup()
        var order: [String] = []
        var step = plain()
        step.reduce = { gradients, _ in order.append("reduce \(gradients[0].isNaN)") }
        let outcome = step.run(model: .forward(s.model), optimizer: s.optimizer, inputs: s.inputs, targets: s.targets,
                               steps: 5, state: s.state, rng: &s.rng, learningRate: 0.1,
                               afterBackward: { gradients in order.append("inspect"); gradients[0] = .nan })
        XCTAssertEqual(order, ["inspect", "reduce true"])
        guard case .failed(.gradientNormNotFinite) = outcome else { return XCTFail("\(outcome)") }
    }
}
