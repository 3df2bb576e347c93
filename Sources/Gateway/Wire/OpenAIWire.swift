public import Net

/// The OpenAI chat-completions wire format, both directions: upstream requests and answers
/// for the OpenAI-compatible adapters, and the `/v1/chat/completions` surface we serve.
public enum OpenAIWire {
    // MARK: requests

    /// A request body for an upstream. `includeUsage` adds `stream_options` (not every
    /// OpenAI-compatible host accepts it).
    public static func encodeRequest(_ request: ChatRequest, stream: Bool, includeUsage: Bool = true) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "messages": .array(request.messages.map(encodeMessage)),
        ]
        if stream {
            body["stream"] = true
            if includeUsage { body["stream_options"] = ["include_usage": true] }
        }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
        if !request.stop.isEmpty { body["stop"] = .array(request.stop.map { .string($0) }) }
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        if let topP = request.topP { body["top_p"] = .double(topP) }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                ["type": "function", "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]]
            })
        }
        if let choice = request.toolChoice {
            let value: JSONValue = switch choice {
            case .auto: "auto"
            case .none: "none"
            case .required: "required"
            case .tool(let name): ["type": "function", "function": ["name": .string(name)]]
            }
            body["tool_choice"] = value
        }
        return .object(body)
    }

    static func encodeMessage(_ message: ChatMessage) -> JSONValue {
        var out: [String: JSONValue] = ["role": .string(message.role.rawValue)]
        if message.hasImages {
            out["content"] = .array(message.content.map { part in
                switch part {
                case .text(let text): ["type": "text", "text": .string(text)]
                case .image(let url): ["type": "image_url", "image_url": ["url": .string(url)]]
                }
            })
        } else if message.content.isEmpty && !message.toolCalls.isEmpty {
            out["content"] = .null
        } else {
            out["content"] = .string(message.text)
        }
        if !message.toolCalls.isEmpty {
            out["tool_calls"] = .array(message.toolCalls.map { call in
                ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        if let id = message.toolCallID { out["tool_call_id"] = .string(id) }
        if let name = message.name { out["name"] = .string(name) }
        return .object(out)
    }

    /// Reads an incoming `/v1/chat/completions` body. Throws 400 naming the bad field.
    /// (`OpenAIRequestDecoder` reads the plain shape straight from the bytes into the same
    /// request, and hands everything else here.)
    public static func decodeRequest(_ json: JSONValue) throws -> (request: ChatRequest, includeUsage: Bool) {
        guard json.objectValue != nil else { throw APIError.badRequest("the body must be a JSON object") }
        guard let rawMessages = json["messages"]?.arrayValue, !rawMessages.isEmpty else {
            throw APIError.badRequest("messages must be a non-empty array", code: "invalid_messages")
        }
        var messages: [ChatMessage] = []
        for (index, raw) in rawMessages.enumerated() {
            guard let roleText = raw["role"]?.stringValue else {
                throw APIError.badRequest("messages[\(index)].role is required", code: "invalid_messages")
            }
            guard let role = role(roleText) else {
                throw APIError.badRequest("messages[\(index)].role must be system, user, assistant or tool", code: "invalid_messages")
            }
            let content = try decodeContent(raw["content"], at: index)
            messages.append(ChatMessage(role: role, content: content, toolCalls: toolCalls(raw["tool_calls"]),
                                        toolCallID: raw["tool_call_id"]?.stringValue, name: raw["name"]?.stringValue))
        }
        let fields = RequestFields(model: json["model"], tools: json["tools"], toolChoice: json["tool_choice"],
                                   maxCompletionTokens: json["max_completion_tokens"], maxTokens: json["max_tokens"],
                                   stop: json["stop"], temperature: json["temperature"], topP: json["top_p"],
                                   stream: json["stream"], streamOptions: json["stream_options"])
        return try fields.request(messages: messages)
    }

    /// A message's role; `developer` is a system message, `function` a tool result.
    static func role(_ text: String) -> ChatRole? {
        switch text {
        case "developer": .system
        case "function": .tool
        default: ChatRole(rawValue: text)
        }
    }

    /// A message's `tool_calls`, in requests and answers alike (anything but an array: none).
    static func toolCalls(_ value: JSONValue?) -> [ToolCall] {
        toolCalls(value?.arrayValue ?? [])
    }

    static func toolCalls(_ calls: [JSONValue]) -> [ToolCall] {
        calls.map { call in
            ToolCall(id: call["id"]?.stringValue ?? "", name: call["function"]?["name"]?.stringValue ?? "",
                     arguments: call["function"]?["arguments"]?.stringValue ?? "{}")
        }
    }

    /// The top-level members of a request besides `messages`, however they were read (from
    /// the tree, or by `OpenAIRequestDecoder` as small trees of their own), and the one place
    /// that turns them into the request.
    struct RequestFields {
        var model, tools, toolChoice, maxCompletionTokens, maxTokens, stop, temperature, topP, stream, streamOptions: JSONValue?

        func request(messages: [ChatMessage]) throws -> (request: ChatRequest, includeUsage: Bool) {
            var request = ChatRequest(model: model?.stringValue ?? "auto", messages: messages)
            request.tools = (tools?.arrayValue ?? []).compactMap { tool in
                guard let function = tool["function"], let name = function["name"]?.stringValue else { return nil }
                return ToolDefinition(name: name, description: function["description"]?.stringValue ?? "",
                                      parameters: function["parameters"] ?? ["type": "object", "properties": [:]])
            }
            if let choice = toolChoice {
                switch choice.stringValue {
                case "auto": request.toolChoice = .auto
                case "none": request.toolChoice = ToolChoice.none
                case "required": request.toolChoice = .required
                default: request.toolChoice = choice["function"]?["name"]?.stringValue.map { .tool($0) }
                }
            }
            if let max = (maxCompletionTokens ?? maxTokens)?.intValue {
                guard max > 0 else { throw APIError.badRequest("max_tokens must be positive") }
                request.maxTokens = Int(max)
            }
            if let stop {
                request.stop = stop.stringValue.map { [$0] } ?? (stop.arrayValue ?? []).compactMap(\.stringValue)
            }
            request.temperature = temperature?.doubleValue
            request.topP = topP?.doubleValue
            request.stream = stream?.boolValue ?? false
            return (request, streamOptions?["include_usage"]?.boolValue ?? false)
        }
    }

    static func decodeContent(_ value: JSONValue?, at index: Int) throws -> [ContentPart] {
        guard let value, !value.isNull else { return [] }
        if let text = value.stringValue { return [.text(text)] }
        guard let parts = value.arrayValue else {
            throw APIError.badRequest("messages[\(index)].content must be a string or an array of parts", code: "invalid_messages")
        }
        return parts.compactMap { part in
            switch part["type"]?.stringValue {
            case "text": part["text"]?.stringValue.map { .text($0) }
            case "image_url": (part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue).map { .image(url: $0) }
            default: nil
            }
        }
    }

    // MARK: responses

    public static func decodeResponse(_ json: JSONValue, provider: String) throws -> ChatResponse {
        guard let choice = json["choices"]?[0], let message = choice["message"] else {
            throw ProviderError(.invalidResponse, provider: provider, message: "no choices in the answer")
        }
        let calls = toolCalls(message["tool_calls"])
        let text = message["content"]?.stringValue ?? ""
        return ChatResponse(model: json["model"]?.stringValue ?? "",
                            message: ChatMessage(role: .assistant, content: text.isEmpty ? [] : [.text(text)], toolCalls: calls),
                            finishReason: finishReason(choice["finish_reason"]?.stringValue) ?? (calls.isEmpty ? .stop : .toolCalls),
                            usage: decodeUsage(json["usage"]))
    }

    public static func encodeResponse(_ response: ChatResponse, id: String, model: String, created: Int64) -> JSONValue {
        var message: [String: JSONValue] = ["role": "assistant", "content": response.message.content.isEmpty && !response.message.toolCalls.isEmpty ? .null : .string(response.message.text)]
        if !response.message.toolCalls.isEmpty {
            message["tool_calls"] = .array(response.message.toolCalls.map { call in
                ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        let usage = response.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        return [
            "id": .string(id), "object": "chat.completion", "created": .int(created), "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "finish_reason": .string(response.finishReason.rawValue), "logprobs": .null]],
            "usage": encodeUsage(usage),
        ]
    }

    static func encodeUsage(_ usage: Usage) -> JSONValue {
        ["prompt_tokens": .int(Int64(usage.promptTokens)), "completion_tokens": .int(Int64(usage.completionTokens)),
         "total_tokens": .int(Int64(usage.totalTokens))]
    }

    static func decodeUsage(_ json: JSONValue?) -> Usage? {
        guard let json, let prompt = json["prompt_tokens"]?.intValue else { return nil }
        return Usage(promptTokens: Int(prompt), completionTokens: Int(json["completion_tokens"]?.intValue ?? 0))
    }

    /// `decodeUsage` for the value the scanner reads next, without a tree for the object
    /// (a dictionary and three inserts, ~7,000 instructions per answer): the two counts are
    /// read as they come, a repeated key's first value counting.
    static func readUsage(_ scanner: inout JSONScanner) throws(JSONParseError) -> Usage? {
        guard try scanner.beginObject() else { return nil }
        var prompt, completion: JSONValue?
        while let key = try scanner.nextMember() {
            switch key {
            case "prompt_tokens" where prompt == nil: prompt = try scanner.value()
            case "completion_tokens" where completion == nil: completion = try scanner.value()
            default: try scanner.skip()
            }
        }
        guard let count = prompt?.intValue else { return nil }
        return Usage(promptTokens: Int(count), completionTokens: Int(completion?.intValue ?? 0))
    }

    static func finishReason(_ text: String?) -> FinishReason? {
        switch text {
        case nil: nil
        case "stop", "eos", "end_turn": .stop
        case "length", "max_tokens": .length
        case "tool_calls", "function_call", "tool_use": .toolCalls
        case "content_filter": .contentFilter
        default: .stop
        }
    }

    // MARK: stream chunks

    /// Events carried by one upstream `chat.completion.chunk`.
    public static func decodeChunk(_ json: JSONValue) -> [ChatEvent] {
        var events: [ChatEvent] = []
        if let choice = json["choices"]?[0] {
            if let text = choice["delta"]?["content"]?.stringValue, !text.isEmpty { events.append(.textDelta(text)) }
            for call in choice["delta"]?["tool_calls"]?.arrayValue ?? [] {
                events.append(.toolCallDelta(index: Int(call["index"]?.intValue ?? 0), id: call["id"]?.stringValue,
                                             name: call["function"]?["name"]?.stringValue,
                                             arguments: call["function"]?["arguments"]?.stringValue ?? ""))
            }
            if let reason = finishReason(choice["finish_reason"]?.stringValue) { events.append(.finish(reason)) }
        }
        if let usage = decodeUsage(json["usage"]) { events.append(.usage(usage)) }
        return events
    }

    /// One `chat.completion.chunk` for an event we serve; nil when the event has no chunk.
    public static func encodeChunk(_ event: ChatEvent, id: String, model: String, created: Int64, first: Bool) -> JSONValue {
        var delta: [String: JSONValue] = first ? ["role": "assistant"] : [:]
        var finish: JSONValue = .null
        var choices: JSONValue?
        var usage: JSONValue? = nil
        switch event {
        case .textDelta(let text): delta["content"] = .string(text)
        case .toolCallDelta(let index, let callID, let name, let arguments):
            var function: [String: JSONValue] = ["arguments": .string(arguments)]
            if let name { function["name"] = .string(name) }
            var call: [String: JSONValue] = ["index": .int(Int64(index)), "function": .object(function)]
            if let callID { call["id"] = .string(callID); call["type"] = "function" }
            delta["tool_calls"] = [.object(call)]
        case .finish(let reason): finish = .string(reason.rawValue)
        case .usage(let value):
            choices = .array([])
            usage = encodeUsage(value)
        }
        var chunk: [String: JSONValue] = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
            "choices": choices ?? [["index": 0, "delta": .object(delta), "finish_reason": finish, "logprobs": .null]],
        ]
        if let usage { chunk["usage"] = usage }
        return .object(chunk)
    }
}
