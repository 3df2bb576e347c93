/// Text as lowercased bytes (ASCII letters folded; other bytes kept), searched with plain
/// loops. The classifier and capability inference run per request or per model, where
/// `String.contains` through `_StringProcessing` cost most of the CPU (issue 10's profile).
struct LowercasedASCII {
    let bytes: [UInt8]

    init(_ text: String) { self.init(text.utf8) }

    init<Bytes: Sequence>(_ source: Bytes) where Bytes.Element == UInt8 {
        bytes = source.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }
    }

    /// Patterns are lowercase ASCII literals, prepared once.
    static func patterns(_ words: [String]) -> [[UInt8]] { words.map { Array($0.utf8) } }

    func contains(_ needle: [UInt8]) -> Bool {
        let count = needle.count
        guard count > 0, count <= bytes.count, let first = needle.first else { return count == 0 }
        return bytes.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { pattern in
                var start = 0
                let last = haystack.count - count
                while start <= last {
                    if haystack[start] == first {
                        var matched = 1
                        while matched < count, haystack[start + matched] == pattern[matched] { matched += 1 }
                        if matched == count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }

    func containsAny(_ needles: [[UInt8]]) -> Bool { needles.contains { contains($0) } }
}
