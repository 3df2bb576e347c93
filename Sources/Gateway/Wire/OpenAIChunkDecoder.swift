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
                        try fields.choice.read(&scanner)
                    case "usage" where !fields.sawUsage:
                        fields.sawUsage = true
                        fields.usage = try OpenAIWire.readUsage(&scanner)
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
        var choice = OpenAIFirstChoice(body: "delta")
        var usage: Usage?
        var errorMessage: String?

        var chunk: Chunk {
            var events: [ChatEvent] = []
            if let text = choice.text, !text.isEmpty { events.append(.textDelta(text)) }
            for call in choice.toolCalls {
                events.append(.toolCallDelta(index: Int(call["index"]?.intValue ?? 0), id: call["id"]?.stringValue,
                                             name: call["function"]?["name"]?.stringValue,
                                             arguments: call["function"]?["arguments"]?.stringValue ?? ""))
            }
            if let finish = OpenAIWire.finishReason(choice.finish) { events.append(.finish(finish)) }
            if let usage { events.append(.usage(usage)) }
            return Chunk(events: events, errorMessage: errorMessage)
        }
    }
}
