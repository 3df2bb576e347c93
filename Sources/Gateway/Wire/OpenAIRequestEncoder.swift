import Net

/// Writes a chat-completions request body straight to bytes, keys in sorted order, with no
/// `JSONValue` tree: the upstream body of every OpenAI-compatible request, and the response
/// cache's key. Byte for byte what `OpenAIWire.encodeRequest` serialized by `JSONSerializer`
/// gives (the tests compare them), so cache keys stay what they were.
enum OpenAIRequestEncoder {
    /// `model` replaces the request's own (the cache keys on the model the caller asked for).
    static func encode(_ request: ChatRequest, model: String? = nil, stream: Bool, includeUsage: Bool = true) -> [UInt8] {
        var out = JSONSerializer(reservingCapacity: 256 + request.messages.reduce(0) { $0 + $1.text.utf8.count })
        out.writeFragment("{")
        if let maxTokens = request.maxTokens {
            out.writeFragment(#""max_tokens":"#)
            out.write(.int(Int64(maxTokens)))
            out.writeFragment(",")
        }
        out.writeFragment(#""messages":["#)
        for (position, message) in request.messages.enumerated() {
            if position > 0 { out.writeFragment(",") }
            writeMessage(message, to: &out)
        }
        out.writeFragment(#"],"model":"#)
        out.writeString(model ?? request.model)
        if !request.stop.isEmpty {
            out.writeFragment(#","stop":["#)
            for (position, stop) in request.stop.enumerated() {
                if position > 0 { out.writeFragment(",") }
                out.writeString(stop)
            }
            out.writeFragment("]")
        }
        if stream {
            out.writeFragment(#","stream":true"#)
            if includeUsage { out.writeFragment(#","stream_options":{"include_usage":true}"#) }
        }
        if let temperature = request.temperature {
            out.writeFragment(#","temperature":"#)
            out.write(.double(temperature))
        }
        if let choice = request.toolChoice {
            out.writeFragment(#","tool_choice":"#)
            switch choice {
            case .auto: out.writeFragment(#""auto""#)
            case .none: out.writeFragment(#""none""#)
            case .required: out.writeFragment(#""required""#)
            case .tool(let name):
                out.writeFragment(#"{"function":{"name":"#)
                out.writeString(name)
                out.writeFragment(#"},"type":"function"}"#)
            }
        }
        if !request.tools.isEmpty {
            out.writeFragment(#","tools":["#)
            for (position, tool) in request.tools.enumerated() {
                if position > 0 { out.writeFragment(",") }
                out.writeFragment(#"{"function":{"description":"#)
                out.writeString(tool.description)
                out.writeFragment(#","name":"#)
                out.writeString(tool.name)
                out.writeFragment(#","parameters":"#)
                out.write(tool.parameters)
                out.writeFragment(#"},"type":"function"}"#)
            }
            out.writeFragment("]")
        }
        if let topP = request.topP {
            out.writeFragment(#","top_p":"#)
            out.write(.double(topP))
        }
        out.writeFragment("}")
        return out.bytes
    }

    static func writeMessage(_ message: ChatMessage, to out: inout JSONSerializer) {
        out.writeFragment(#"{"content":"#)
        if message.hasImages {
            out.writeFragment("[")
            for (position, part) in message.content.enumerated() {
                if position > 0 { out.writeFragment(",") }
                switch part {
                case .text(let text):
                    out.writeFragment(#"{"text":"#)
                    out.writeString(text)
                    out.writeFragment(#","type":"text"}"#)
                case .image(let url):
                    out.writeFragment(#"{"image_url":{"url":"#)
                    out.writeString(url)
                    out.writeFragment(#"},"type":"image_url"}"#)
                }
            }
            out.writeFragment("]")
        } else if message.content.isEmpty && !message.toolCalls.isEmpty {
            out.writeFragment("null")
        } else {
            out.writeString(message.text)
        }
        if let name = message.name {
            out.writeFragment(#","name":"#)
            out.writeString(name)
        }
        out.writeFragment(#","role":"#)
        out.writeString(message.role.rawValue)
        if let id = message.toolCallID {
            out.writeFragment(#","tool_call_id":"#)
            out.writeString(id)
        }
        out.writeToolCalls(message.toolCalls)
        out.writeFragment("}")
    }
}

extension JSONSerializer {
    /// `,"tool_calls":[...]` in the OpenAI shape, keys sorted; nothing when there are none.
    mutating func writeToolCalls(_ calls: [ToolCall]) {
        guard !calls.isEmpty else { return }
        writeFragment(#","tool_calls":["#)
        for (position, call) in calls.enumerated() {
            if position > 0 { writeFragment(",") }
            writeFragment(#"{"function":{"arguments":"#)
            writeString(call.arguments)
            writeFragment(#","name":"#)
            writeString(call.name)
            writeFragment(#"},"id":"#)
            writeString(call.id)
            writeFragment(#","type":"function"}"#)
        }
        writeFragment("]")
    }
}
