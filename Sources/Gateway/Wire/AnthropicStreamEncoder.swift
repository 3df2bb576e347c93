public import Net

/// Writes our chat events as Anthropic's SSE event sequence for `/v1/messages`:
/// message_start, then per block content_block_start / _delta / _stop, then message_delta
/// and message_stop. Opens a new block whenever the event kind changes.
public struct AnthropicStreamEncoder: Sendable {
    let id: String
    let model: String
    var blockIndex = -1
    var openBlock: OpenBlock?
    var finish: FinishReason?
    var usage: Usage?

    enum OpenBlock: Equatable { case text, tool(Int) }

    public init(id: String, model: String) {
        self.id = id
        self.model = model
    }

    public func start() -> [(String, JSONValue)] {
        [("message_start", ["type": "message_start", "message": [
            "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": [],
            "stop_reason": .null, "stop_sequence": .null, "usage": ["input_tokens": 0, "output_tokens": 0]]])]
    }

    public mutating func encode(_ event: ChatEvent) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        switch event {
        case .textDelta(let text):
            if openBlock != .text {
                out += close()
                blockIndex += 1
                openBlock = .text
                out.append(("content_block_start", ["type": "content_block_start", "index": .int(Int64(blockIndex)),
                                                    "content_block": ["type": "text", "text": ""]]))
            }
            out.append(("content_block_delta", ["type": "content_block_delta", "index": .int(Int64(blockIndex)),
                                                "delta": ["type": "text_delta", "text": .string(text)]]))
        case .toolCallDelta(let index, let callID, let name, let arguments):
            if openBlock != .tool(index) {
                out += close()
                blockIndex += 1
                openBlock = .tool(index)
                out.append(("content_block_start", ["type": "content_block_start", "index": .int(Int64(blockIndex)),
                                                    "content_block": ["type": "tool_use", "id": .string(callID ?? "toolu_\(index)"),
                                                                      "name": .string(name ?? ""), "input": [:]]]))
            }
            if !arguments.isEmpty {
                out.append(("content_block_delta", ["type": "content_block_delta", "index": .int(Int64(blockIndex)),
                                                    "delta": ["type": "input_json_delta", "partial_json": .string(arguments)]]))
            }
        case .finish(let reason): finish = reason
        case .usage(let value): usage = value
        }
        return out
    }

    public mutating func end() -> [(String, JSONValue)] {
        var out = close()
        let usage = self.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        out.append(("message_delta", ["type": "message_delta",
                                      "delta": ["stop_reason": .string(AnthropicWire.stopReason(finish ?? .stop)), "stop_sequence": .null],
                                      "usage": ["input_tokens": .int(Int64(usage.promptTokens)), "output_tokens": .int(Int64(usage.completionTokens))]]))
        out.append(("message_stop", ["type": "message_stop"]))
        return out
    }

    public static func error(_ message: String) -> (String, JSONValue) {
        ("error", ["type": "error", "error": ["type": "api_error", "message": .string(message)]])
    }

    mutating func close() -> [(String, JSONValue)] {
        guard openBlock != nil else { return [] }
        openBlock = nil
        return [("content_block_stop", ["type": "content_block_stop", "index": .int(Int64(blockIndex))])]
    }
}
