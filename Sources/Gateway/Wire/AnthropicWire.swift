public import Net

/// The Anthropic Messages wire format, both directions: the adapter's upstream requests and
/// answers, and the `/v1/messages` surface we serve.
public enum AnthropicWire {
    public static let defaultMaxTokens = 4096

    // MARK: requests

    public static func encodeRequest(_ request: ChatRequest, stream: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "max_tokens": .int(Int64(request.maxTokens ?? defaultMaxTokens)),
            "messages": .array(encodeTurns(request.turns)),
        ]
        if let system = request.systemPrompt { body["system"] = .string(system) }
        if stream { body["stream"] = true }
        if !request.stop.isEmpty { body["stop_sequences"] = .array(request.stop.map { .string($0) }) }
        if let temperature = request.temperature { body["temperature"] = .double(min(1, temperature)) }
        if let topP = request.topP { body["top_p"] = .double(topP) }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { ["name": .string($0.name), "description": .string($0.description), "input_schema": $0.parameters] })
        }
        if let choice = request.toolChoice {
            let value: JSONValue = switch choice {
            case .auto: ["type": "auto"]
            case .none: ["type": "none"]
            case .required: ["type": "any"]
            case .tool(let name): ["type": "tool", "name": .string(name)]
            }
            body["tool_choice"] = value
        }
        return .object(body)
    }

    /// Tool results ride in user turns; consecutive turns of one role merge into one.
    static func encodeTurns(_ turns: [ChatMessage]) -> [JSONValue] {
        var out: [(role: String, blocks: [JSONValue])] = []
        for message in turns {
            let role = message.role == .assistant ? "assistant" : "user"
            var blocks: [JSONValue] = []
            if message.role == .tool {
                blocks.append(["type": "tool_result", "tool_use_id": .string(message.toolCallID ?? ""), "content": .string(message.text)])
            } else {
                for part in message.content {
                    switch part {
                    case .text(let text) where !text.isEmpty: blocks.append(["type": "text", "text": .string(text)])
                    case .text: break
                    case .image(let url): blocks.append(encodeImage(url))
                    }
                }
                for call in message.toolCalls {
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name),
                                   "input": JSONValue.parse(call.arguments) ?? [:]])
                }
            }
            if blocks.isEmpty { blocks.append(["type": "text", "text": "(empty)"]) }
            if out.last?.role == role {
                out[out.count - 1].blocks.append(contentsOf: blocks)
            } else {
                out.append((role, blocks))
            }
        }
        return out.map { ["role": .string($0.role), "content": .array($0.blocks)] }
    }

    static func encodeImage(_ url: String) -> JSONValue {
        // data:<media>;base64,<data>
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") {
            let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
            let media = header.split(separator: ";").first.map(String.init) ?? "image/png"
            return ["type": "image", "source": ["type": "base64", "media_type": .string(media), "data": .string(String(url[url.index(after: comma)...]))]]
        }
        return ["type": "image", "source": ["type": "url", "url": .string(url)]]
    }

    /// Reads an incoming `/v1/messages` body. Throws 400 naming the bad field.
    public static func decodeRequest(_ json: JSONValue) throws -> ChatRequest {
        guard json.objectValue != nil else { throw APIError.badRequest("the body must be a JSON object") }
        guard let rawMessages = json["messages"]?.arrayValue, !rawMessages.isEmpty else {
            throw APIError.badRequest("messages must be a non-empty array", code: "invalid_messages")
        }
        var messages: [ChatMessage] = []
        if let system = json["system"] {
            let text = system.stringValue ?? (system.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
            if !text.isEmpty { messages.append(ChatMessage(role: .system, text: text)) }
        }
        for (index, raw) in rawMessages.enumerated() {
            guard let roleText = raw["role"]?.stringValue, roleText == "user" || roleText == "assistant" else {
                throw APIError.badRequest("messages[\(index)].role must be user or assistant", code: "invalid_messages")
            }
            let role: ChatRole = roleText == "user" ? .user : .assistant
            if let text = raw["content"]?.stringValue {
                messages.append(ChatMessage(role: role, text: text))
                continue
            }
            guard let blocks = raw["content"]?.arrayValue else {
                throw APIError.badRequest("messages[\(index)].content must be a string or an array of blocks", code: "invalid_messages")
            }
            var message = ChatMessage(role: role)
            for block in blocks {
                switch block["type"]?.stringValue {
                case "text": message.content.append(.text(block["text"]?.stringValue ?? ""))
                case "image":
                    let source = block["source"]
                    if source?["type"]?.stringValue == "base64" {
                        message.content.append(.image(url: "data:\(source?["media_type"]?.stringValue ?? "image/png");base64,\(source?["data"]?.stringValue ?? "")"))
                    } else if let url = source?["url"]?.stringValue {
                        message.content.append(.image(url: url))
                    }
                case "tool_use":
                    message.toolCalls.append(ToolCall(id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "",
                                                      arguments: (block["input"] ?? [:]).jsonText))
                case "tool_result":
                    let content = block["content"]
                    let text = content?.stringValue ?? (content?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
                    messages.append(ChatMessage(role: .tool, content: [.text(text)], toolCallID: block["tool_use_id"]?.stringValue))
                default: break
                }
            }
            if !message.content.isEmpty || !message.toolCalls.isEmpty { messages.append(message) }
        }
        var request = ChatRequest(model: json["model"]?.stringValue ?? "auto", messages: messages)
        guard let maxTokens = json["max_tokens"]?.intValue, maxTokens > 0 else {
            throw APIError.badRequest("max_tokens is required and must be positive", code: "invalid_max_tokens")
        }
        request.maxTokens = Int(maxTokens)
        request.stop = (json["stop_sequences"]?.arrayValue ?? []).compactMap(\.stringValue)
        request.temperature = json["temperature"]?.doubleValue
        request.topP = json["top_p"]?.doubleValue
        request.stream = json["stream"]?.boolValue ?? false
        request.tools = (json["tools"]?.arrayValue ?? []).compactMap { tool in
            tool["name"]?.stringValue.map { ToolDefinition(name: $0, description: tool["description"]?.stringValue ?? "",
                                                           parameters: tool["input_schema"] ?? ["type": "object"]) }
        }
        switch json["tool_choice"]?["type"]?.stringValue {
        case "auto": request.toolChoice = .auto
        case "any": request.toolChoice = .required
        case "none": request.toolChoice = ToolChoice.none
        case "tool": request.toolChoice = json["tool_choice"]?["name"]?.stringValue.map { .tool($0) }
        default: break
        }
        return request
    }

    // MARK: responses

    public static func decodeResponse(_ json: JSONValue, provider: String) throws -> ChatResponse {
        guard let blocks = json["content"]?.arrayValue else {
            throw ProviderError(.invalidResponse, provider: provider, message: "answer has no content array")
        }
        var message = ChatMessage(role: .assistant)
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text": message.content.append(.text(block["text"]?.stringValue ?? ""))
            case "tool_use":
                message.toolCalls.append(ToolCall(id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "",
                                                  arguments: (block["input"] ?? [:]).jsonText))
            default: break   // thinking blocks stay upstream
            }
        }
        return ChatResponse(model: json["model"]?.stringValue ?? "", message: message,
                            finishReason: finishReason(json["stop_reason"]?.stringValue),
                            usage: decodeUsage(json["usage"]))
    }

    public static func encodeResponse(_ response: ChatResponse, id: String, model: String) -> JSONValue {
        var content: [JSONValue] = []
        if !response.message.text.isEmpty || response.message.toolCalls.isEmpty {
            content.append(["type": "text", "text": .string(response.message.text)])
        }
        for call in response.message.toolCalls {
            content.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": JSONValue.parse(call.arguments) ?? [:]])
        }
        let usage = response.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        return ["id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": .array(content),
                "stop_reason": .string(stopReason(response.finishReason)), "stop_sequence": .null,
                "usage": ["input_tokens": .int(Int64(usage.promptTokens)), "output_tokens": .int(Int64(usage.completionTokens))]]
    }

    static func decodeUsage(_ json: JSONValue?) -> Usage? {
        guard let json, json["input_tokens"] != nil || json["output_tokens"] != nil else { return nil }
        return Usage(promptTokens: Int(json["input_tokens"]?.intValue ?? 0), completionTokens: Int(json["output_tokens"]?.intValue ?? 0))
    }

    static func finishReason(_ text: String?) -> FinishReason {
        switch text {
        case "max_tokens": .length
        case "tool_use": .toolCalls
        case "refusal": .contentFilter
        default: .stop
        }
    }

    static func stopReason(_ reason: FinishReason) -> String {
        switch reason {
        case .length: "max_tokens"
        case .toolCalls: "tool_use"
        case .contentFilter: "refusal"
        case .stop, .error: "end_turn"
        }
    }
}
