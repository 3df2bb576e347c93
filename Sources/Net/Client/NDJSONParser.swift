public import FoundationEssentials

/// Incremental newline-delimited JSON splitter: feed byte chunks split anywhere, get complete
/// lines back (without the line end; a trailing CR is dropped, blank lines are skipped). Only
/// the current partial line is held, capped at `maxLineBytes` (error `.tooLarge` past it).
public struct NDJSONParser: Sendable {
    public let maxLineBytes: Int
    private var partial = Data()

    public init(maxLineBytes: Int = 1 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    public mutating func feed(_ chunk: Data) throws(StreamParseError) -> [Data] {
        var lines: [Data] = []
        var rest = chunk[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            try append(rest[..<newline])
            if let line = takeLine() { lines.append(line) }
            rest = rest[(newline + 1)...]
        }
        try append(rest)
        return lines
    }

    /// The last line when the stream ended without a final newline (valid NDJSON).
    public mutating func finish() -> Data? {
        takeLine()
    }

    private mutating func append(_ bytes: Data.SubSequence) throws(StreamParseError) {
        guard !bytes.isEmpty else { return }
        guard partial.count + bytes.count <= maxLineBytes else {
            throw StreamParseError(.tooLarge, "NDJSON line exceeds \(maxLineBytes) bytes")
        }
        partial.append(contentsOf: bytes)
    }

    private mutating func takeLine() -> Data? {
        defer { partial.removeAll(keepingCapacity: true) }
        var line = partial[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        return blank ? nil : Data(line)
    }
}
