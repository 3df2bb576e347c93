@testable import MCP
import Testing

/// The linear search behind `code_edit` and `code_patch`.
@Suite("occurrences: Knuth-Morris-Pratt")
struct OccurrencesTests {
    @Test func findsWhatANaiveScanFinds() {
        let text = Array("abababcabababab".utf8)
        #expect(occurrences(of: Array("abab".utf8), in: text) == [0, 7, 11])
        #expect(occurrences(of: Array("abab".utf8), in: text, overlapping: true) == [0, 2, 7, 9, 11])
        #expect(occurrences(of: Array("abab".utf8), in: text, from: 1, limit: 2, overlapping: true) == [2, 7])
        #expect(occurrences(of: Array("c".utf8), in: text) == [6])
        #expect(occurrences(of: Array("x".utf8), in: text).isEmpty)
        #expect(occurrences(of: [UInt8](), in: text).isEmpty)
        #expect(occurrences(of: Array("abc".utf8), in: Array("ab".utf8)).isEmpty)
        #expect(occurrences(of: Array("a".utf8), in: text, from: 99).isEmpty)
        #expect(occurrences(of: ["", "", "x"], in: ["", "", "", "x", ""], overlapping: true) == [1])
        // Every pattern over a small alphabet against every text: the same as trying each offset.
        let alphabet: [UInt8] = [0x61, 0x62]
        func words(_ length: Int) -> [[UInt8]] {
            length == 0 ? [[]] : words(length - 1).flatMap { word in alphabet.map { word + [$0] } }
        }
        let texts = (0...7).flatMap(words)
        for pattern in (1...3).flatMap(words) {
            for text in texts {
                let naive = text.indices.filter { $0 + pattern.count <= text.count && Array(text[$0..<($0 + pattern.count)]) == pattern }
                #expect(occurrences(of: pattern, in: text, overlapping: true) == naive)
            }
        }
    }

    /// Exact scalars in any script; a crafted pair that made `String.ranges(of:)` take file ×
    /// pattern steps is answered as quickly as any other (not timed here: bench territory).
    @Test func codeEditReplacesOnScalarBoundaries() throws {
        let text = "café é naïve é"
        #expect(try CodeEditTool.replace("é", with: "e", in: text, all: true, path: "f", maxBytes: 1 << 20) == "cafe e naïve e")
        let file = String(repeating: "a", count: 200_000)
        let crafted = "b" + String(repeating: "a", count: 100_000)
        #expect(throws: ToolError.self) { try CodeEditTool.replace(crafted, with: "", in: file, all: true, path: "f", maxBytes: 1 << 20) }
    }
}
