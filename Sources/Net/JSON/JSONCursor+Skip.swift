extension JSONCursor {
    /// Checks the value at `index` exactly as `value()` would, building nothing: `JSONScanner`
    /// skips the fields a decoder does not need without allocating for them.
    mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[index] {
        case UInt8(ascii: "{"): try skipContainer(closing: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): try skipContainer(closing: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
        case let byte: throw fail(.unexpectedByte(byte))
        }
    }

    private mutating func skipContainer(closing: UInt8, keyed: Bool) throws(JSONParseError) {
        try enter()
        skipWhitespace()
        if index < bytes.count, bytes[index] == closing {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            if keyed {
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                guard bytes[index] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(bytes[index])) }
                try skipString()
                skipWhitespace()
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                guard bytes[index] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(bytes[index])) }
                index += 1
                skipWhitespace()
            }
            try skipValue()
            skipWhitespace()
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case closing:
                index += 1
                depth -= 1
                return
            case let byte: throw fail(.unexpectedByte(byte))
            }
        }
    }

    /// The string at `index` checked like `string()` (escapes, control characters, UTF-8).
    /// Runs between escapes are checked one by one: an escape is ASCII, so it cannot split a
    /// valid multi-byte sequence, and what it decodes to is valid by construction.
    private mutating func skipString() throws(JSONParseError) {
        let start = index
        index += 1
        var runStart = index
        var nonASCII = false
        var unescaped: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                if nonASCII, String(validating: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]), as: UTF8.self) == nil {
                    throw JSONParseError(.invalidUTF8, at: start)
                }
                nonASCII = false
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return
                }
                unescaped.removeAll(keepingCapacity: true)
                try escape(into: &unescaped)
                runStart = index
            case 0x00..<0x20:
                throw fail(.controlCharacterInString)
            default:
                if byte >= 0x80 { nonASCII = true }
                index += 1
            }
        }
    }
}
