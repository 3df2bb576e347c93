extension JSONCursor {
    /// A string starting at the opening quote. Runs without escapes are copied in one piece;
    /// the whole result is checked as UTF-8 once (escapes produce valid UTF-8 themselves).
    mutating func string() throws(JSONParseError) -> String {
        let start = index
        index += 1
        var runStart = index
        var decoded: [UInt8]?
        // Most strings (keys, ids, roles) are ASCII: those need no UTF-8 validation, and the
        // generic `String(validating:as:)` costs run-time metadata lookups on every call.
        var ascii = true
        while true {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let run = UnsafeRawBufferPointer(rebasing: bytes[runStart..<index])
                index += 1
                let text: String?
                if ascii, decoded == nil {
                    text = String(decoding: run, as: UTF8.self)
                } else if var decoded {
                    decoded.append(contentsOf: run)
                    text = String(validating: decoded, as: UTF8.self)
                } else {
                    text = String(validating: run, as: UTF8.self)
                }
                guard let text else { throw JSONParseError(.invalidUTF8, at: start) }
                return text
            case UInt8(ascii: "\\"):
                // Moved out, not copied: with `decoded` still holding it, every append copied
                // the whole buffer (2 MB of "\\n" escapes took 15-178 s of CPU).
                var buffer = decoded ?? []
                decoded = nil
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                try escape(into: &buffer)
                decoded = buffer
                runStart = index
            case 0x00..<0x20:
                throw fail(.controlCharacterInString)
            case 0x80...:
                ascii = false
                index += 1
            default:
                index += 1
            }
        }
    }

    /// One escape sequence at `index` (the backslash), appended as UTF-8.
    mutating func escape(into buffer: inout [UInt8]) throws(JSONParseError) {
        index += 1
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let first = try hex4()
            var scalarValue = UInt32(first)
            switch first {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed at once by an escaped low surrogate.
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate)
                }
                index += 2
                let second = try hex4()
                guard (0xDC00...0xDFFF).contains(second) else { throw fail(.loneSurrogate) }
                scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw fail(.loneSurrogate)
            default:
                break
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw fail(.loneSurrogate) }
            UTF8.encode(scalar) { buffer.append($0) }
        default:
            index -= 1
            throw fail(.invalidEscape)
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt16 {
        guard bytes.count - index >= 4 else { throw fail(.unexpectedEnd) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail(.invalidEscape)
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }
}
