public import Net

/// Turns Anthropic's SSE events (message_start, content_block_start/delta/stop,
/// message_delta, message_stop, ping, error) into chat events. Keeps only counters and the
/// block-to-tool-call index map: constant memory.
public struct AnthropicStreamDecoder: Sendable {
    var toolIndexByBlock: [Int: Int] = [:]
    var inputTokens = 0
    public private(set) var stopped = false

    public init() {}

    public mutating func decode(_ event: SSEEvent, provider: String) throws -> [ChatEvent] {
        guard let json = JSONValue.parse(event.data) else {
            throw ProviderError(.invalidResponse, provider: provider, message: "unreadable stream event")
        }
        let type = json["type"]?.stringValue ?? event.event ?? ""
        switch type {
        case "message_start":
            inputTokens = Int(json["message"]?["usage"]?["input_tokens"]?.intValue ?? 0)
            return []
        case "content_block_start":
            let block = json["content_block"]
            guard block?["type"]?.stringValue == "tool_use" else {
                if let text = block?["text"]?.stringValue, !text.isEmpty { return [.textDelta(text)] }
                return []
            }
            let ordinal = toolIndexByBlock.count
            toolIndexByBlock[Int(json["index"]?.intValue ?? 0)] = ordinal
            return [.toolCallDelta(index: ordinal, id: block?["id"]?.stringValue, name: block?["name"]?.stringValue, arguments: "")]
        case "content_block_delta":
            let delta = json["delta"]
            switch delta?["type"]?.stringValue {
            case "text_delta":
                let text = delta?["text"]?.stringValue ?? ""
                return text.isEmpty ? [] : [.textDelta(text)]
            case "input_json_delta":
                let ordinal = toolIndexByBlock[Int(json["index"]?.intValue ?? 0)] ?? 0
                return [.toolCallDelta(index: ordinal, id: nil, name: nil, arguments: delta?["partial_json"]?.stringValue ?? "")]
            default:
                return []   // thinking and signature deltas stay upstream
            }
        case "message_delta":
            var events: [ChatEvent] = []
            if let reason = json["delta"]?["stop_reason"]?.stringValue {
                events.append(.finish(AnthropicWire.finishReason(reason)))
            }
            if let output = json["usage"]?["output_tokens"]?.intValue {
                let input = json["usage"]?["input_tokens"]?.intValue.map(Int.init) ?? inputTokens
                events.append(.usage(Usage(promptTokens: input, completionTokens: Int(output))))
            }
            return events
        case "message_stop":
            stopped = true
            return []
        case "error":
            let message = json["error"]?["message"]?.stringValue ?? "upstream stream error"
            let code: ProviderError.Code = json["error"]?["type"]?.stringValue == "overloaded_error" ? .upstream : .interrupted
            throw ProviderError(code, provider: provider, message: message)
        default:
            return []   // ping, content_block_stop
        }
    }
}
