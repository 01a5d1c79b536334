// docs/library.md lists the library's public API: every type the library
// modules declare `public` is named there, so an API change shows in the docs.
import XCTest
import Foundation

final class LibraryDocsTests: XCTestCase {
    // Mutation caught: a library type made `public` (or a new public type)
    // that docs/library.md does not name; or the facade not re-exporting a module.
    func testEveryPublicTypeIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/library.md"), encoding: .utf8)
        let sources = root.appendingPathComponent("Sources")
        let pattern = try NSRegularExpression(pattern: #"^public (?:final class|class|struct|enum|protocol|typealias) (\w+)"#,
                                              options: .anchorsMatchLines)
        var found: [String] = []
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { $0.hasPrefix("CharLSTM") && $0 != "CharLSTMCLI" }
        XCTAssertEqual(modules.count, 8, "\(modules)")
        for module in modules {
            let facade = try String(contentsOf: sources.appendingPathComponent("CharLSTM/CharLSTM.swift"), encoding: .utf8)
            if module != "CharLSTM" { XCTAssertTrue(facade.contains("@_exported import \(module)\n"), module) }
            let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(module).path)!
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: sources.appendingPathComponent(module + "/" + file), encoding: .utf8)
                for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    found.append(String(text[Range(m.range(at: 1), in: text)!]))
                }
            }
        }
        XCTAssertGreaterThan(found.count, 20)
        for name in found {
            XCTAssertNotNil(doc.range(of: "\\b\(name)\\b", options: .regularExpression), "docs/library.md does not name public \(name)")
        }
    }
}
