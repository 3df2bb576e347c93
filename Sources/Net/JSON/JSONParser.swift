/// A strict RFC 8259 parser: one pass over UTF-8 bytes straight to `JSONValue`, linear in
/// the input, with explicit limits on size and nesting depth (recursion depth is bounded by
/// `maxDepth`, so hostile nesting costs neither stack nor time).
///
/// Choices where the RFC leaves room, kept compatible with the JSONDecoder it replaces:
/// an integer literal within Int64 is `.int`, and so is a number written with a fraction or
/// exponent whose value is an integer of magnitude at most 2^53 (`2.0`, `1e3`); any other
/// finite number is `.double`; a number beyond Double's range is refused;
/// a duplicate object key keeps its first value; a leading byte-order mark is skipped.
/// Strings must be valid UTF-8 and `\u` escapes must pair their surrogates.
public struct JSONParser: Sendable {
    public static let defaultMaxDepth = 64

    public var maxDepth: Int
    public var maxBytes: Int

    public init(maxDepth: Int = JSONParser.defaultMaxDepth, maxBytes: Int = .max) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { parse(buffer: UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { parse(buffer: $0) }
        return try result.get()
    }

    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { parse(buffer: UnsafeRawBufferPointer($0)) }
        return try result.get()
    }

    private func parse(buffer: UnsafeRawBufferPointer) -> Result<JSONValue, JSONParseError> {
        guard buffer.count <= maxBytes else { return .failure(JSONParseError(.tooLarge(limit: maxBytes), at: maxBytes)) }
        var cursor = JSONCursor(bytes: buffer, maxDepth: maxDepth)
        do {
            return .success(try cursor.document())
        } catch {
            return .failure(error)
        }
    }
}

/// The parser's position in one input. Not a public type: it borrows the caller's buffer.
struct JSONCursor {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var index = 0
    var depth = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhitespace()
        guard index < bytes.count else { throw JSONParseError(bytes.isEmpty ? .empty : .unexpectedEnd, at: index) }
        let value = try self.value()
        skipWhitespace()
        guard index == bytes.count else { throw JSONParseError(.trailingData, at: index) }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func fail(_ code: JSONParseError.Code) -> JSONParseError { JSONParseError(code, at: index) }

    mutating func value() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case let byte: throw fail(.unexpectedByte(byte))
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail(.unexpectedEnd) }
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            index += offset
            throw fail(.invalidLiteral)
        }
        index += count
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        index += 1
    }

    mutating func array() throws(JSONParseError) -> JSONValue {
        try enter()
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(items)
            case let byte: throw fail(.unexpectedByte(byte))
            }
        }
    }

    private static func keepFirst(_: inout JSONValue) {}

    mutating func object() throws(JSONParseError) -> JSONValue {
        try enter()
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(bytes[index])) }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(bytes[index])) }
            index += 1
            skipWhitespace()
            let member = try value()
            // Inserted unless the key is there already (a duplicate keeps its first value):
            // the defaulted subscript's in-place access inserts, with one hash and one probe.
            Self.keepFirst(&members[key, default: member])
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            case let byte: throw fail(.unexpectedByte(byte))
            }
        }
    }
}
