// InteractiveText: the text and candidates behind `sample --interactive`
// (whose keys and screen the CLI tests drive through tmux).
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class InteractiveTextTests: XCTestCase {
    private func session(choices: Int = 3) throws -> InteractiveText {
        let model = try SamplingModel(path: fixturesDirectory.appendingPathComponent("lstm-adam-full.ckpt").path)
        return InteractiveText(model: model, options: SamplingOptions(), seed: 5, choices: choices,
                               prime: EncodedText(graphemes: [], vocabulary: model.vocabulary))
    }

    /// Mutations caught: candidates not re-ranked after an append; an undo that does not re-read
    /// the text from zero (its candidates stay those after the taken grapheme); an undo of an empty
    /// text that does not say so; a take beyond the list accepted.
    func testTakeUndoAndRanking() throws {
        let s = try session()
        XCTAssertEqual(s.choices, 3)
        let first = s.candidates
        XCTAssertEqual(first.count, 3)
        XCTAssertEqual(first.map(\.probability), first.map(\.probability).sorted(by: >))
        XCTAssertFalse(s.undo())
        XCTAssertFalse(s.take(3))
        XCTAssertTrue(s.take(0))
        XCTAssertEqual(s.ids, [first[0].id])
        XCTAssertEqual(s.text, s.model.vocabulary.token(first[0].id))
        XCTAssertNotEqual(s.candidates.map(\.probability), first.map(\.probability))
        XCTAssertTrue(s.undo())
        XCTAssertEqual(s.ids, [])
        XCTAssertEqual(s.candidates.map(\.id), first.map(\.id))
        XCTAssertEqual(s.candidates.map(\.probability), first.map(\.probability))
    }

    /// Mutations caught: typed text outside the vocabulary dropped instead of fed as <unk>, or
    /// not counted; a sampled grapheme not appended.
    func testTypeAndSample() throws {
        let s = try session(choices: 12)
        XCTAssertEqual(s.choices, 9)
        XCTAssertEqual(s.type("\u{10FFFD}"), 1)
        XCTAssertEqual(s.ids, [Vocabulary.unknownID])
        s.sampleOne()
        XCTAssertEqual(s.ids.count, 2)
        XCTAssertEqual(s.graphemes.count, 2)
    }
}
