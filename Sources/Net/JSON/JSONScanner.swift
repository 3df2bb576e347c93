/// Reads one JSON document piece by piece, for decoders that want a few fields of a known
/// shape without building a `JSONValue` tree (an upstream stream chunk: a handful of fields
/// out of a dozen, thousands of times a second). As strict as `JSONParser`: whatever a caller
/// skips is still parsed in full, so a document it accepts is one `JSONParser` accepts.
///
/// It borrows the caller's bytes: use it only inside `scan`'s closure. Objects are read with
/// `beginObject` then `nextMember` until it returns nil; arrays with `beginArray` then
/// `nextElement` until false; each member or element's value must be read or skipped once.
public struct JSONScanner {
    var cursor: JSONCursor
    /// Just after `{` or `[`: the next member or element needs no comma.
    var afterOpen = false

    /// Runs `body` over `bytes` and checks that nothing but whitespace follows what it read.
    public static func scan<T>(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONParser.defaultMaxDepth,
                               _ body: (inout JSONScanner) throws(JSONParseError) -> T) throws(JSONParseError) -> T {
        var scanner = JSONScanner(cursor: JSONCursor(bytes: bytes, maxDepth: maxDepth))
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { scanner.cursor.index = 3 }
        scanner.cursor.skipWhitespace()
        guard scanner.cursor.index < bytes.count else {
            throw JSONParseError(bytes.isEmpty ? .empty : .unexpectedEnd, at: scanner.cursor.index)
        }
        let result = try body(&scanner)
        scanner.cursor.skipWhitespace()
        guard scanner.cursor.index == bytes.count else { throw JSONParseError(.trailingData, at: scanner.cursor.index) }
        return result
    }

    /// Enters the object that comes next; false (and the value skipped) when it is not one.
    public mutating func beginObject() throws(JSONParseError) -> Bool {
        try begin(UInt8(ascii: "{"))
    }

    /// The next member's key (its value comes next); nil at the end of the object.
    public mutating func nextMember() throws(JSONParseError) -> String? {
        guard try advance(closing: UInt8(ascii: "}")) else { return nil }
        guard cursor.index < cursor.bytes.count else { throw cursor.fail(.unexpectedEnd) }
        guard cursor.bytes[cursor.index] == UInt8(ascii: "\"") else { throw cursor.fail(.unexpectedByte(cursor.bytes[cursor.index])) }
        let key = try cursor.string()
        cursor.skipWhitespace()
        guard cursor.index < cursor.bytes.count else { throw cursor.fail(.unexpectedEnd) }
        guard cursor.bytes[cursor.index] == UInt8(ascii: ":") else { throw cursor.fail(.unexpectedByte(cursor.bytes[cursor.index])) }
        cursor.index += 1
        cursor.skipWhitespace()
        return key
    }

    /// Enters the array that comes next; false (and the value skipped) when it is not one.
    public mutating func beginArray() throws(JSONParseError) -> Bool {
        try begin(UInt8(ascii: "["))
    }

    /// True when another element follows (read or skip it next); false at the end.
    public mutating func nextElement() throws(JSONParseError) -> Bool {
        try advance(closing: UInt8(ascii: "]"))
    }

    /// Reads the array that comes next: its first element with `body`, the others checked and
    /// skipped (an answer's `choices`). When the value is not an array it is skipped.
    public mutating func firstElement(_ body: (inout JSONScanner) throws(JSONParseError) -> Void) throws(JSONParseError) {
        guard try beginArray() else { return }
        var first = true
        while try nextElement() {
            if first {
                first = false
                try body(&self)
            } else {
                try skip()
            }
        }
    }

    /// The first byte of the value that comes next (`"` a string, `{` an object, `n` null…),
    /// to choose how to read it; nil at the end of the input.
    public var nextValueByte: UInt8? {
        cursor.index < cursor.bytes.count ? cursor.bytes[cursor.index] : nil
    }

    /// The string that comes next; nil (and the value skipped) when it is not a string.
    public mutating func string() throws(JSONParseError) -> String? {
        afterOpen = false
        guard cursor.index < cursor.bytes.count else { throw cursor.fail(.unexpectedEnd) }
        guard cursor.bytes[cursor.index] == UInt8(ascii: "\"") else {
            try cursor.skipValue()
            return nil
        }
        return try cursor.string()
    }

    /// The value that comes next, as a tree (for the rare parts worth no hand-written reader).
    public mutating func value() throws(JSONParseError) -> JSONValue {
        afterOpen = false
        return try cursor.value()
    }

    /// Checks and passes over the value that comes next, building nothing.
    public mutating func skip() throws(JSONParseError) {
        afterOpen = false
        try cursor.skipValue()
    }

    private mutating func begin(_ opening: UInt8) throws(JSONParseError) -> Bool {
        guard cursor.index < cursor.bytes.count else { throw cursor.fail(.unexpectedEnd) }
        guard cursor.bytes[cursor.index] == opening else {
            try skip()
            return false
        }
        try cursor.enter()
        afterOpen = true
        return true
    }

    /// Moves to the next member or element: past the comma, or past the closing bracket
    /// (then false, and the container counts as a value read).
    private mutating func advance(closing: UInt8) throws(JSONParseError) -> Bool {
        cursor.skipWhitespace()
        guard cursor.index < cursor.bytes.count else { throw cursor.fail(.unexpectedEnd) }
        let byte = cursor.bytes[cursor.index]
        if byte == closing {
            cursor.index += 1
            cursor.depth -= 1
            afterOpen = false
            return false
        }
        if !afterOpen {
            guard byte == UInt8(ascii: ",") else { throw cursor.fail(.unexpectedByte(byte)) }
            cursor.index += 1
            cursor.skipWhitespace()
        }
        afterOpen = false
        return true
    }
}
