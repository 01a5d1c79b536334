import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class ParameterLayoutTests: XCTestCase {
    func testCountMatchesClosedForm() {
        for cell in CellKind.allCases {
            let c = ModelConfig(cell: cell, layers: 3, embed: 4, hidden: 5, vocab: 7)
            let G = cell.gateCount
            let expected = 7 * 4 + (4 + 5) * G * 5 + G * 5 + 2 * ((5 + 5) * G * 5 + G * 5) + 5 * 7 + 7
            let layout = ParameterLayout(c)
            XCTAssertEqual(layout.count, expected, "\(cell)")
            XCTAssertEqual(ParameterLayout.checkedCount(c), expected)
            // Views tile the buffer exactly, in order.
            var next = 0
            for v in layout.views { XCTAssertEqual(v.offset, next, v.name); next += v.count }
            XCTAssertEqual(next, layout.count)
        }
    }

    func testOverflowIsDetected() {
        let c = ModelConfig(layers: 64, embed: 1 << 40, hidden: 1 << 40, vocab: 1 << 40)
        XCTAssertNil(ParameterLayout.checkedCount(c))
        XCTAssertNotNil(c.problem())
    }
}
