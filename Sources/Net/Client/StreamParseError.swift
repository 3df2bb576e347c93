/// Why an incremental stream parser (SSE, NDJSON) gave up.
public struct StreamParseError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// One line or event outgrew the parser's cap: the stream is refused, not buffered.
        case tooLarge
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
