// TrainingSetup: a fresh run, a resume and a fine-tune built from a request,
// with the notices and refusals the CLI words.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TrainingSetupTests: XCTestCase {
    private func corpusFile(_ extra: String = "") throws -> String {
        var text = ""
        for i in 0..<400 { text += ["abc ", "bca\n", "cab. "][i % 3] }
        return try temporaryFile(Array((text + extra).utf8))
    }

    private func request(_ corpus: String, _ start: TrainingStart = .fresh) -> TrainingRequest {
        var r = TrainingRequest(corpus: corpus, start: start, runName: "unit")
        r.settings.layers = 1
        r.settings.hidden = 8
        r.settings.embed = 4
        r.settings.batch = 4
        r.settings.seqLength = 10
        r.settings.seed = 3
        return r
    }

    /// A run of 6 steps saved to a checkpoint; returns its path.
    private func savedRun(_ corpus: String) throws -> String {
        let setup = try TrainingSetup(request(corpus))
        _ = try setup.trainer.run(RunSettings(totalSteps: 6, evalEvery: 3, checkpointEvery: 0))
        let path = try temporaryFile([], name: "unit-latest.ckpt")
        try setup.trainer.save(to: path)
        return path
    }

    /// Mutations caught: given settings not reaching the model or options; the fresh run not
    /// asking for the settings' B and T; no large-vocabulary notice check (none here).
    func testFreshRunTakesTheGivenSettings() throws {
        var notices: [TrainingSetupNotice] = []
        let setup = try TrainingSetup(request(try corpusFile())) { notices.append($0) }
        let c = setup.trainer.model.config
        XCTAssertEqual([c.layers, c.hidden, c.embed, c.vocab], [1, 8, 4, 7])
        XCTAssertEqual(c.cell, .lstm)
        XCTAssertEqual(setup.trainer.options.seed, 3)
        XCTAssertEqual(setup.trainer.options.learningRate, TrainingOptions().learningRate)
        XCTAssertTrue(setup.requested == (4, 10))
        XCTAssertNil(setup.resumed)
        XCTAssertEqual(notices, [])
    }

    /// Mutations caught: a resume that starts over (step 0) or forgets its planned total;
    /// the forget-bias notice not raised on a resume.
    func testResumeContinuesTheCheckpoint() throws {
        let corpus = try corpusFile()
        let path = try savedRun(corpus)
        var r = request(corpus, .resume(checkpoint: path))
        r.forgetBiasGiven = true
        var notices: [TrainingSetupNotice] = []
        let setup = try TrainingSetup(r) { notices.append($0) }
        XCTAssertEqual(setup.trainer.step, 6)
        XCTAssertTrue(setup.resumed.map { $0 == (6, 6) } ?? false, "\(String(describing: setup.resumed))")
        XCTAssertEqual(notices, [.forgetBiasIgnored])
    }

    /// Mutations caught: a conflicting setting accepted on resume; the weights-only check
    /// giving another error than `noTrainingState` (or none).
    func testResumeRefusesConflictsAndWeightsOnlyFiles() throws {
        let corpus = try corpusFile()
        let path = try savedRun(corpus)
        var r = request(corpus, .resume(checkpoint: path))
        r.settings.hidden = 16
        XCTAssertThrowsError(try TrainingSetup(r)) { error in
            XCTAssertEqual(error as? TrainingSetupError,
                           .conflicts([SettingConflict(setting: .hidden, given: "16", saved: "8")], resuming: true))
        }
        let slim = try temporaryFile([], name: "slim.ckpt")
        try CheckpointFile.write(try CheckpointFile.read(path), to: slim, weightsOnly: true)
        XCTAssertThrowsError(try TrainingSetup(request(corpus, .resume(checkpoint: slim)))) { error in
            XCTAssertEqual(error as? TrainingError, .noTrainingState(path: slim))
        }
    }

    /// Mutations caught: --init-from not keeping the checkpoint's vocabulary (the new grapheme
    /// would join it); the unknown-grapheme notice not raised; a changed shape accepted.
    func testInitFromKeepsTheCheckpointsModelAndVocabulary() throws {
        let path = try savedRun(try corpusFile())
        var notices: [TrainingSetupNotice] = []
        let setup = try TrainingSetup(request(try corpusFile("ZZ"), .initFrom(checkpoint: path))) { notices.append($0) }
        XCTAssertEqual(setup.trainer.step, 0)
        XCTAssertEqual(setup.trainer.vocabulary.count, 7)
        XCTAssertEqual(notices, [.unknownGraphemes(count: 2, vocabularySize: 7)])
        XCTAssertEqual(setup.trainer.model.parameters.array, try CheckpointFile.read(path).parameters)
        var r = request(try corpusFile(), .initFrom(checkpoint: path))
        r.settings.layers = 2
        XCTAssertThrowsError(try TrainingSetup(r)) { error in
            XCTAssertEqual(error as? TrainingSetupError,
                           .conflicts([SettingConflict(setting: .layers, given: "2", saved: "1")], resuming: false))
        }
    }
}
