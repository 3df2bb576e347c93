/// Why a JSON text was refused, and the byte offset where the parser stopped. The message
/// says what to fix; it never quotes the input (which may hold secrets).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case empty
        case tooLarge(limit: Int)
        case tooDeep(limit: Int)
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidLiteral
        case invalidNumber
        case numberOutOfRange
        case invalidEscape
        case loneSurrogate
        case controlCharacterInString
        case invalidUTF8
        case trailingData
    }

    public var code: Code
    /// Offset in bytes from the start of the input.
    public var offset: Int

    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch code {
        case .empty: what = "empty input"
        case .tooLarge(let limit): what = "JSON text is larger than \(limit) bytes"
        case .tooDeep(let limit): what = "JSON nests deeper than \(limit) levels"
        case .unexpectedEnd: what = "JSON text ends early"
        case .unexpectedByte(let byte): what = "unexpected byte 0x\(String(byte, radix: 16))"
        case .invalidLiteral: what = "invalid literal (expected true, false or null)"
        case .invalidNumber: what = "invalid number"
        case .numberOutOfRange: what = "number is out of range for a double"
        case .invalidEscape: what = "invalid escape in string"
        case .loneSurrogate: what = "\\u escape is an unpaired UTF-16 surrogate"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidUTF8: what = "invalid UTF-8"
        case .trailingData: what = "data after the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}
