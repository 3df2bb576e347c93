import Net

/// Decodes a whole (non-streamed) upstream chat completion straight from its bytes into a
/// `ChatResponse`: `model`, `usage` and the first choice's `message` and `finish_reason` are
/// read, the rest is validated and skipped, and no `JSONValue` tree is built for the answer
/// (parsing it into a tree was 31,000 of a request's 720,000 instructions, callgrind). Gives
/// the answer and errors `OpenAIWire.decodeResponse` gives for the parsed tree (the tests
/// compare them), a duplicate key's first value counting.
public enum OpenAIResponseDecoder {
    public static func decode(_ bytes: UnsafeRawBufferPointer, provider: String) throws(ProviderError) -> ChatResponse {
        let fields: Fields
        do {
            fields = try JSONScanner.scan(bytes) { (scanner: inout JSONScanner) throws(JSONParseError) -> Fields in
                var fields = Fields()
                guard try scanner.beginObject() else { return fields }
                while let key = try scanner.nextMember() {
                    switch key {
                    case "choices" where !fields.sawChoices:
                        fields.sawChoices = true
                        try fields.choice.read(&scanner)
                    case "model" where !fields.sawModel:
                        fields.sawModel = true
                        fields.model = try scanner.string()
                    case "usage" where !fields.sawUsage:
                        fields.sawUsage = true
                        fields.usage = try OpenAIWire.readUsage(&scanner)
                    default:
                        try scanner.skip()
                    }
                }
                return fields
            }
        } catch {
            throw ProviderError(.invalidResponse, provider: provider, message: "upstream answered with invalid JSON")
        }
        let choice = fields.choice
        guard choice.sawBody else {
            throw ProviderError(.invalidResponse, provider: provider, message: "no choices in the answer")
        }
        let calls = OpenAIWire.toolCalls(choice.toolCalls)
        let text = choice.text ?? ""
        return ChatResponse(model: fields.model ?? "",
                            message: ChatMessage(role: .assistant, content: text.isEmpty ? [] : [.text(text)], toolCalls: calls),
                            finishReason: OpenAIWire.finishReason(choice.finish) ?? (calls.isEmpty ? .stop : .toolCalls),
                            usage: fields.usage)
    }

    /// What the answer said, in any key order.
    struct Fields {
        var sawChoices = false, sawModel = false, sawUsage = false
        var choice = OpenAIFirstChoice(body: "message")
        var model: String?
        var usage: Usage?
    }
}
