public import Net

/// Decodes one upstream `chat.completion.chunk` straight from its bytes into chat events:
/// the few fields an event needs are read, the rest is validated and skipped, and no
/// `JSONValue` tree is built for the common chunk (a text delta). Gives the events, order and
/// error message `OpenAIWire.decodeChunk` gives for the parsed tree (the tests compare them),
/// including a duplicate key's first value counting.
public enum OpenAIChunkDecoder {
    public struct Chunk: Sendable, Equatable {
        public var events: [ChatEvent] = []
        /// The upstream reported a failure in the stream (`{"error": {"message": ...}}`).
        public var errorMessage: String?
    }

    /// nil when the text is not valid JSON.
    public static func decode(_ text: String) -> Chunk? {
        var text = text
        return text.withUTF8 { utf8 in try? decode(UnsafeRawBufferPointer(utf8)) }
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> Chunk {
        try JSONScanner.scan(bytes) { (scanner: inout JSONScanner) throws(JSONParseError) -> Chunk in
            var fields = Fields()
            if try scanner.beginObject() {
                while let key = try scanner.nextMember() {
                    switch key {
                    case "choices" where !fields.sawChoices:
                        fields.sawChoices = true
                        try readChoices(&scanner, into: &fields)
                    case "usage" where !fields.sawUsage:
                        fields.sawUsage = true
                        let usage = try scanner.value()
                        fields.usage = OpenAIWire.decodeUsage(usage)
                    case "error" where !fields.sawError:
                        fields.sawError = true
                        fields.errorMessage = try scanner.value()["message"]?.stringValue
                    default:
                        try scanner.skip()
                    }
                }
            }
            return fields.chunk
        }
    }

    /// What one chunk said, gathered in any key order, emitted in the tree decoder's order.
    struct Fields {
        var sawChoices = false, sawUsage = false, sawError = false
        var sawDelta = false, sawFinish = false, sawContent = false, sawToolCalls = false
        var text: String?
        var toolCalls: [JSONValue] = []
        var finish: FinishReason?
        var usage: Usage?
        var errorMessage: String?

        var chunk: Chunk {
            var events: [ChatEvent] = []
            if let text, !text.isEmpty { events.append(.textDelta(text)) }
            for call in toolCalls {
                events.append(.toolCallDelta(index: Int(call["index"]?.intValue ?? 0), id: call["id"]?.stringValue,
                                             name: call["function"]?["name"]?.stringValue,
                                             arguments: call["function"]?["arguments"]?.stringValue ?? ""))
            }
            if let finish { events.append(.finish(finish)) }
            if let usage { events.append(.usage(usage)) }
            return Chunk(events: events, errorMessage: errorMessage)
        }
    }

    /// `choices`: only the first element counts; the others are checked and skipped.
    static func readChoices(_ scanner: inout JSONScanner, into fields: inout Fields) throws(JSONParseError) {
        try scanner.firstElement { (scanner: inout JSONScanner) throws(JSONParseError) in
            guard try scanner.beginObject() else { return }
            while let key = try scanner.nextMember() {
                switch key {
                case "delta" where !fields.sawDelta:
                    fields.sawDelta = true
                    try readDelta(&scanner, into: &fields)
                case "finish_reason" where !fields.sawFinish:
                    fields.sawFinish = true
                    let reason = try scanner.string()
                    fields.finish = OpenAIWire.finishReason(reason)
                default:
                    try scanner.skip()
                }
            }
        }
    }

    static func readDelta(_ scanner: inout JSONScanner, into fields: inout Fields) throws(JSONParseError) {
        guard try scanner.beginObject() else { return }
        while let key = try scanner.nextMember() {
            switch key {
            case "content" where !fields.sawContent:
                fields.sawContent = true
                fields.text = try scanner.string()
            case "tool_calls" where !fields.sawToolCalls:
                fields.sawToolCalls = true
                fields.toolCalls = try scanner.value().arrayValue ?? []
            default:
                try scanner.skip()
            }
        }
    }
}
