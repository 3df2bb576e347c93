import Net

/// Reads a client's `/v1/chat/completions` body straight from its bytes when it has the plain
/// shape: each message read field by field, the other top-level members as small trees of
/// their own. Parsing the whole body into a `JSONValue` tree and then looking every field up
/// cost ~20,000 of a chat completion's ~550,000 instructions (callgrind), ~25 allocations.
///
/// Anything else gives nil and goes to `OpenAIWire.decodeRequest` on the parsed tree, which
/// words every error: invalid JSON, a field that decoder refuses (a missing role, content of
/// the wrong type, max_tokens under 1), a repeated key (the tree keeps the first). So what
/// this returns is what the tree decoder returns for the same bytes (the tests and the
/// `openai` fuzz target compare them), and it never has an error of its own to word.
public enum OpenAIRequestDecoder {
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> (request: ChatRequest, includeUsage: Bool)? {
        let read = try? JSONScanner.scan(bytes) { (scanner: inout JSONScanner) throws(JSONParseError) -> (fields: OpenAIWire.RequestFields, messages: [ChatMessage])? in
            guard try scanner.beginObject() else { return nil }
            var fields = OpenAIWire.RequestFields()
            var messages: [ChatMessage]?
            while let key = try scanner.nextMember() {
                switch key {
                case "messages":
                    guard messages == nil, let read = try readMessages(&scanner) else { return nil }
                    messages = read
                case "model": guard try once(&fields.model, &scanner) else { return nil }
                case "tools": guard try once(&fields.tools, &scanner) else { return nil }
                case "tool_choice": guard try once(&fields.toolChoice, &scanner) else { return nil }
                case "max_completion_tokens": guard try once(&fields.maxCompletionTokens, &scanner) else { return nil }
                case "max_tokens": guard try once(&fields.maxTokens, &scanner) else { return nil }
                case "stop": guard try once(&fields.stop, &scanner) else { return nil }
                case "temperature": guard try once(&fields.temperature, &scanner) else { return nil }
                case "top_p": guard try once(&fields.topP, &scanner) else { return nil }
                case "stream": guard try once(&fields.stream, &scanner) else { return nil }
                case "stream_options": guard try once(&fields.streamOptions, &scanner) else { return nil }
                default: try scanner.skip()
                }
            }
            guard let messages else { return nil }
            return (fields, messages)
        }
        guard let read, !read.messages.isEmpty else { return nil }
        return try? read.fields.request(messages: read.messages)
    }

    /// Reads a member's value into its slot; false when the key came before (the tree keeps
    /// the first value: left to the tree decoder).
    private static func once(_ slot: inout JSONValue?, _ scanner: inout JSONScanner) throws(JSONParseError) -> Bool {
        guard slot == nil else { return false }
        slot = try scanner.value()
        return true
    }

    /// The messages, or nil for anything `decodeRequest` would refuse or read differently.
    private static func readMessages(_ scanner: inout JSONScanner) throws(JSONParseError) -> [ChatMessage]? {
        guard try scanner.beginArray() else { return nil }
        var messages: [ChatMessage] = []
        while try scanner.nextElement() {
            guard let message = try readMessage(&scanner, at: messages.count) else { return nil }
            messages.append(message)
        }
        return messages
    }

    private static func readMessage(_ scanner: inout JSONScanner, at index: Int) throws(JSONParseError) -> ChatMessage? {
        guard try scanner.beginObject() else { return nil }
        var role: ChatRole?
        var content: [ContentPart]?
        var toolCalls, toolCallID, name: JSONValue?
        while let key = try scanner.nextMember() {
            switch key {
            case "role":
                guard role == nil, let text = try scanner.string(), let parsed = OpenAIWire.role(text) else { return nil }
                role = parsed
            case "content":
                guard content == nil else { return nil }
                if scanner.nextValueByte == UInt8(ascii: "\"") {
                    content = [.text(try scanner.string() ?? "")]
                } else {
                    guard let parts = try? OpenAIWire.decodeContent(try scanner.value(), at: index) else { return nil }
                    content = parts
                }
            case "tool_calls": guard try once(&toolCalls, &scanner) else { return nil }
            case "tool_call_id": guard try once(&toolCallID, &scanner) else { return nil }
            case "name": guard try once(&name, &scanner) else { return nil }
            default: try scanner.skip()
            }
        }
        guard let role else { return nil }
        return ChatMessage(role: role, content: content ?? [], toolCalls: OpenAIWire.toolCalls(toolCalls),
                           toolCallID: toolCallID?.stringValue, name: name?.stringValue)
    }
}
