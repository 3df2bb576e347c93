import FoundationEssentials
public import Hummingbird
import HTTPTypes
import Net

/// Routes for each provider's wire format (request validation per its API reference).
public enum MockProviders {
    static func sse(_ json: JSONValue, event: String? = nil) -> String {
        (event.map { "event: \($0)\n" } ?? "") + "data: \(json.jsonText)\n\n"
    }

    public static func openAI(_ mock: MockUpstream, _ router: Router<BasicRequestContext>) {
        router.get("/v1/models") { request, _ in
            _ = mock.require(request.headers[.authorization] == "Bearer sk-test", "models: missing bearer key")
            return MockUpstream.jsonResponse(["object": "list", "data": [
                ["id": "gpt-4o-mini", "object": "model", "owned_by": "openai", "created": 1],
                ["id": "text-embedding-3-small", "object": "model", "owned_by": "openai", "created": 1]]])
        }
        router.post("/v1/chat/completions") { request, _ -> Response in
            _ = mock.require(request.headers[.authorization] == "Bearer sk-test", "chat: missing bearer key")
            guard let body = await mock.json(request) else { return Response(status: .badRequest) }
            let ok = mock.require(body["model"]?.stringValue != nil, "chat: model missing")
                && mock.require((body["messages"]?.arrayValue ?? []).allSatisfy { message in
                    ["system", "user", "assistant", "tool"].contains(message["role"]?.stringValue ?? "")
                        && (message["content"]?.stringValue != nil || message["content"]?.arrayValue != nil || message["content"] == .null)
                } && !(body["messages"]?.arrayValue ?? []).isEmpty, "chat: bad messages \(body["messages"]?.jsonText ?? "")")
                && mock.require((body["tools"]?.arrayValue ?? []).allSatisfy { $0["type"] == "function" && $0["function"]?["name"]?.stringValue != nil }, "chat: bad tools")
                && mock.require(body["stream"] == nil || body["stream"]?.boolValue != nil, "chat: stream not a bool")
            guard ok else { return Response(status: .badRequest) }
            if let failure = mock.failure() { return failure }
            let (reply, tool) = mock.update { ($0.reply, $0.toolCall) }
            let model = body["model"]?.stringValue ?? ""
            guard body["stream"]?.boolValue == true else {
                var message: [String: JSONValue] = ["role": "assistant", "content": .string(reply)]
                if tool { message["content"] = .null; message["tool_calls"] = [["id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]]] }
                return MockUpstream.jsonResponse(["id": "x", "object": "chat.completion", "created": 1, "model": .string(model),
                    "choices": [["index": 0, "message": .object(message), "finish_reason": tool ? "tool_calls" : "stop"]],
                    "usage": ["prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18]])
            }
            let wantsUsage = body["stream_options"]?["include_usage"]?.boolValue == true
            func chunk(_ delta: JSONValue, finish: JSONValue = .null) -> String {
                sse(["id": "x", "object": "chat.completion.chunk", "created": 1, "model": .string(model),
                     "choices": [["index": 0, "delta": delta, "finish_reason": finish]]])
            }
            var frames = [chunk(["role": "assistant", "content": ""])]
            if tool {
                frames.append(chunk(["tool_calls": [["index": 0, "id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": ""]]]]))
                frames.append(chunk(["tool_calls": [["index": 0, "function": ["arguments": #"{"city":"#]]]]))
                frames.append(chunk(["tool_calls": [["index": 0, "function": ["arguments": #""Paris"}"#]]]]))
                frames.append(chunk([:], finish: "tool_calls"))
            } else {
                let words = reply.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                for (index, word) in words.enumerated() { frames.append(chunk(["content": .string(index == 0 ? word : " " + word)])) }
                frames.append(chunk([:], finish: "stop"))
            }
            if wantsUsage {
                frames.append(sse(["id": "x", "object": "chat.completion.chunk", "created": 1, "model": .string(model), "choices": [],
                                   "usage": ["prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18]]))
            }
            frames.append("data: [DONE]\n\n")
            return mock.stream(frames, contentType: "text/event-stream")
        }
    }

    public static func anthropic(_ mock: MockUpstream, _ router: Router<BasicRequestContext>) {
        router.get("/v1/models") { request, _ in
            _ = mock.require(request.headers[HTTPField.Name("x-api-key")!] == "sk-ant-test", "models: x-api-key")
            _ = mock.require(request.headers[HTTPField.Name("anthropic-version")!] == "2023-06-01", "models: anthropic-version")
            return MockUpstream.jsonResponse(["data": [["id": "claude-sonnet-4-5", "type": "model", "display_name": "Claude Sonnet 4.5"]], "has_more": false])
        }
        router.post("/v1/messages") { request, _ -> Response in
            _ = mock.require(request.headers[HTTPField.Name("x-api-key")!] == "sk-ant-test", "messages: x-api-key")
            _ = mock.require(request.headers[HTTPField.Name("anthropic-version")!] == "2023-06-01", "messages: anthropic-version")
            guard let body = await mock.json(request) else { return Response(status: .badRequest) }
            let messages = body["messages"]?.arrayValue ?? []
            let ok = mock.require(body["max_tokens"]?.intValue != nil, "messages: max_tokens required")
                && mock.require(!messages.isEmpty && messages.first?["role"] == "user", "messages: must start with user")
                && mock.require(messages.allSatisfy { ["user", "assistant"].contains($0["role"]?.stringValue ?? "") }, "messages: roles user/assistant only")
                && mock.require(zip(messages, messages.dropFirst()).allSatisfy { $0["role"] != $1["role"] }, "messages: roles must alternate")
                && mock.require(body["system"] == nil || body["system"]?.stringValue != nil, "messages: system must be a string")
                && mock.require((body["tools"]?.arrayValue ?? []).allSatisfy { $0["input_schema"] != nil && $0["name"] != nil }, "messages: tools need input_schema")
            guard ok else { return Response(status: .badRequest) }
            if let failure = mock.failure() { return failure }
            let (reply, tool) = mock.update { ($0.reply, $0.toolCall) }
            let model = body["model"] ?? ""
            guard body["stream"]?.boolValue == true else {
                var content: [JSONValue] = [["type": "text", "text": .string(reply)]]
                if tool { content = [["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["city": "Paris"]]] }
                return MockUpstream.jsonResponse(["id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": .array(content),
                    "stop_reason": tool ? "tool_use" : "end_turn", "stop_sequence": .null, "usage": ["input_tokens": 12, "output_tokens": 6]])
            }
            var frames = [sse(["type": "message_start", "message": ["id": "msg_1", "type": "message", "role": "assistant", "model": model,
                                "content": [], "stop_reason": .null, "usage": ["input_tokens": 12, "output_tokens": 1]]], event: "message_start")]
            if tool {
                frames.append(sse(["type": "content_block_start", "index": 0, "content_block": ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": [:]]], event: "content_block_start"))
                frames.append(sse(["type": "content_block_delta", "index": 0, "delta": ["type": "input_json_delta", "partial_json": #"{"city": "#]], event: "content_block_delta"))
                frames.append(sse(["type": "content_block_delta", "index": 0, "delta": ["type": "input_json_delta", "partial_json": #""Paris"}"#]], event: "content_block_delta"))
            } else {
                frames.append(sse(["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]], event: "content_block_start"))
                frames.append("event: ping\ndata: {\"type\": \"ping\"}\n\n")
                for word in reply.split(separator: " ").enumerated() {
                    frames.append(sse(["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": .string((word.offset == 0 ? "" : " ") + word.element)]], event: "content_block_delta"))
                }
            }
            frames.append(sse(["type": "content_block_stop", "index": 0], event: "content_block_stop"))
            frames.append(sse(["type": "message_delta", "delta": ["stop_reason": tool ? "tool_use" : "end_turn", "stop_sequence": .null], "usage": ["output_tokens": 6]], event: "message_delta"))
            frames.append(sse(["type": "message_stop"], event: "message_stop"))
            return mock.stream(frames, contentType: "text/event-stream")
        }
    }

    public static func gemini(_ mock: MockUpstream, _ router: Router<BasicRequestContext>) {
        router.get("/v1beta/models") { request, _ in
            _ = mock.require(request.headers[HTTPField.Name("x-goog-api-key")!] == "g-test", "models: x-goog-api-key")
            return MockUpstream.jsonResponse(["models": [
                ["name": "models/gemini-2.5-flash", "inputTokenLimit": 1_048_576, "supportedGenerationMethods": ["generateContent", "countTokens"]],
                ["name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]]]])
        }
        router.post("/v1beta/models/:call") { request, context -> Response in
            _ = mock.require(request.headers[HTTPField.Name("x-goog-api-key")!] == "g-test", "generate: x-goog-api-key")
            let call = context.parameters.get("call") ?? ""
            let streaming = call.hasSuffix(":streamGenerateContent")
            _ = mock.require(streaming || call.hasSuffix(":generateContent"), "generate: unknown method \(call)")
            if streaming { _ = mock.require(request.uri.queryParameters.get("alt") == "sse", "stream: alt=sse missing") }
            guard let body = await mock.json(request) else { return Response(status: .badRequest) }
            let contents = body["contents"]?.arrayValue ?? []
            let ok = mock.require(!contents.isEmpty, "generate: contents empty")
                && mock.require(contents.allSatisfy { ["user", "model"].contains($0["role"]?.stringValue ?? "") && $0["parts"]?.arrayValue != nil }, "generate: contents need role user/model and parts")
                && mock.require(body["messages"] == nil && body["model"] == nil, "generate: OpenAI fields sent")
                && mock.require(body["systemInstruction"] == nil || body["systemInstruction"]?["parts"]?[0]?["text"]?.stringValue != nil, "generate: systemInstruction shape")
            guard ok else { return Response(status: .badRequest) }
            if let failure = mock.failure() { return failure }
            let (reply, tool) = mock.update { ($0.reply, $0.toolCall) }
            let usage: JSONValue = ["promptTokenCount": 9, "candidatesTokenCount": 5, "totalTokenCount": 14]
            let parts: JSONValue = tool ? [["functionCall": ["name": "get_weather", "args": ["city": "Paris"]]]] : [["text": .string(reply)]]
            guard streaming else {
                return MockUpstream.jsonResponse(["candidates": [["content": ["role": "model", "parts": parts], "finishReason": "STOP"]], "usageMetadata": usage, "modelVersion": "gemini-2.5-flash"])
            }
            var frames: [String] = []
            if tool {
                frames.append(sse(["candidates": [["content": ["role": "model", "parts": parts], "finishReason": "STOP"]], "usageMetadata": usage]))
            } else {
                let words = reply.split(separator: " ")
                for (index, word) in words.enumerated() {
                    var candidate: [String: JSONValue] = ["content": ["role": "model", "parts": [["text": .string((index == 0 ? "" : " ") + word)]]]]
                    if index == words.count - 1 { candidate["finishReason"] = "STOP" }
                    frames.append(sse(["candidates": [.object(candidate)], "usageMetadata": usage]))
                }
            }
            return mock.stream(frames, contentType: "text/event-stream")
        }
    }

    public static func ollama(_ mock: MockUpstream, _ router: Router<BasicRequestContext>) {
        router.get("/api/tags") { _, _ in
            MockUpstream.jsonResponse(["models": [["name": "llama3.2:latest", "model": "llama3.2:latest", "size": 1]]])
        }
        router.post("/api/chat") { request, _ -> Response in
            guard let body = await mock.json(request) else { return Response(status: .badRequest) }
            let ok = mock.require(body["model"]?.stringValue != nil, "chat: model")
                && mock.require((body["messages"]?.arrayValue ?? []).allSatisfy { $0["role"]?.stringValue != nil && $0["content"]?.stringValue != nil }, "chat: messages need role and string content")
                && mock.require(body["stream"]?.boolValue != nil, "chat: stream must be explicit")
            guard ok else { return Response(status: .badRequest) }
            if let failure = mock.failure() { return failure }
            let reply = mock.update { $0.reply }
            let model = body["model"] ?? ""
            guard body["stream"]?.boolValue == true else {
                return MockUpstream.jsonResponse(["model": model, "message": ["role": "assistant", "content": .string(reply)], "done": true,
                                                  "done_reason": "stop", "prompt_eval_count": 8, "eval_count": 4])
            }
            var lines = reply.split(separator: " ").enumerated().map { item in
                (["model": model, "message": ["role": "assistant", "content": .string((item.offset == 0 ? "" : " ") + item.element)], "done": false] as JSONValue).jsonText + "\n"
            }
            lines.append((["model": model, "message": ["role": "assistant", "content": ""], "done": true, "done_reason": "stop",
                           "prompt_eval_count": 8, "eval_count": 4] as JSONValue).jsonText + "\n")
            return mock.stream(lines, contentType: "application/x-ndjson")
        }
    }
}
