public import Net

/// Google Gemini: `generateContent` / `streamGenerateContent?alt=sse`, key in `x-goog-api-key`,
/// `contents`/`parts`, `systemInstruction`, `generationConfig`.
public struct GeminiProvider: LLMProvider {
    public let configuration: ProviderConfiguration
    let http: ProviderHTTP

    public init(configuration: ProviderConfiguration, fetcher: any HTTPFetching) {
        self.configuration = configuration
        self.http = ProviderHTTP(provider: configuration.name, fetcher: fetcher)
    }

    public var name: String { configuration.name }
    public var isLocal: Bool { configuration.isLocal }
    var headers: [(name: String, value: String)] { [(name: "x-goog-api-key", value: configuration.apiKey)] }

    public func models() async throws -> [DiscoveredModel] {
        let json = try await http.json("GET", configuration.baseURL + "/models?pageSize=1000", headers: headers)
        guard let list = json["models"]?.arrayValue else { throw http.invalid("models list has no models array") }
        return list.compactMap { entry in
            guard var id = entry["name"]?.stringValue else { return nil }
            if id.hasPrefix("models/") { id = String(id.dropFirst(7)) }
            let methods = (entry["supportedGenerationMethods"]?.arrayValue ?? []).compactMap(\.stringValue)
            var capabilities = Capabilities.infer(id)
            if methods.contains("embedContent") && !methods.contains("generateContent") { capabilities = [Capabilities.embedding] }
            else if !methods.isEmpty && !methods.contains("generateContent") { capabilities = [] }
            return DiscoveredModel(upstreamID: id, ownedBy: "google", capabilities: capabilities,
                                   contextWindow: entry["inputTokenLimit"]?.intValue.map { Int($0) })
        }
    }

    public func chat(_ request: ChatRequest) async throws -> ChatResponse {
        let json = try await http.json("POST", "\(configuration.baseURL)/models/\(request.model):generateContent",
                                       headers: headers, json: Self.encodeRequest(request))
        var accumulator = ChatAccumulator()
        for event in try Self.decodeChunk(json, provider: name) { accumulator.add(event) }
        return accumulator.response(model: json["modelVersion"]?.stringValue ?? request.model)
    }

    public func stream(_ request: ChatRequest) -> ChatEventStream {
        http.stream("\(configuration.baseURL)/models/\(request.model):streamGenerateContent?alt=sse", headers: headers,
                    json: Self.encodeRequest(request), decoder: StreamDecoder(provider: name))
    }

    /// Response chunks until the body ends; an answer without a finish reason was cut off.
    struct StreamDecoder: UpstreamStreamDecoder {
        let provider: String
        private(set) var complete = false
        private var toolOrdinal = 0
        let stopped = false
        let cutOff = "stream ended without a finish reason"

        init(provider: String) { self.provider = provider }

        typealias Items = SSEEventSequence.AsyncIterator

        mutating func decode(_ event: SSEEvent) throws -> [ChatEvent] {
            guard let json = JSONValue.parse(event.data) else {
                throw ProviderError(.invalidResponse, provider: provider, message: "unreadable stream chunk")
            }
            var events = try GeminiProvider.decodeChunk(json, provider: provider)
            for index in events.indices {
                switch events[index] {
                case .toolCallDelta(_, let id, let name, let arguments):
                    // Gemini sends each function call whole; number them across chunks.
                    events[index] = .toolCallDelta(index: toolOrdinal, id: id, name: name, arguments: arguments)
                    toolOrdinal += 1
                case .finish:
                    complete = true
                default:
                    break
                }
            }
            return events
        }
    }

    static func encodeRequest(_ request: ChatRequest) -> JSONValue {
        var callNames: [String: String] = [:]
        for message in request.messages { for call in message.toolCalls { callNames[call.id] = call.name } }
        let contents: [JSONValue] = request.turns.map { message in
            var parts: [JSONValue] = []
            if message.role == .tool {
                let name = callNames[message.toolCallID ?? ""] ?? message.name ?? "tool"
                let output = JSONValue.parse(message.text).flatMap { $0.objectValue != nil ? $0 : nil } ?? ["result": .string(message.text)]
                parts.append(["functionResponse": ["name": .string(name), "response": output]])
            }
            for part in message.content where message.role != .tool {
                switch part {
                case .text(let text): parts.append(["text": .string(text)])
                case .image(let url):
                    if url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") {
                        let media = url.dropFirst(5).prefix { $0 != ";" && $0 != "," }
                        parts.append(["inlineData": ["mimeType": .string(String(media)), "data": .string(String(url[url.index(after: comma)...]))]])
                    } else {
                        parts.append(["fileData": ["fileUri": .string(url)]])
                    }
                }
            }
            for call in message.toolCalls {
                parts.append(["functionCall": ["name": .string(call.name), "args": JSONValue.parse(call.arguments) ?? [:]]])
            }
            if parts.isEmpty { parts.append(["text": ""]) }
            let role = message.role == .assistant ? "model" : "user"
            return ["role": .string(role), "parts": .array(parts)]
        }
        var body: [String: JSONValue] = ["contents": .array(contents)]
        if let system = request.systemPrompt { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        var config: [String: JSONValue] = [:]
        if let maxTokens = request.maxTokens { config["maxOutputTokens"] = .int(Int64(maxTokens)) }
        if let temperature = request.temperature { config["temperature"] = .double(temperature) }
        if let topP = request.topP { config["topP"] = .double(topP) }
        if !request.stop.isEmpty { config["stopSequences"] = .array(request.stop.map { .string($0) }) }
        if !config.isEmpty { body["generationConfig"] = .object(config) }
        if !request.tools.isEmpty {
            body["tools"] = [["functionDeclarations": .array(request.tools.map {
                ["name": .string($0.name), "description": .string($0.description), "parameters": $0.parameters]
            })]]
        }
        if let choice = request.toolChoice {
            let config: JSONValue = switch choice {
            case .auto: ["mode": "AUTO"]
            case .none: ["mode": "NONE"]
            case .required: ["mode": "ANY"]
            case .tool(let name): ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
            }
            body["toolConfig"] = ["functionCallingConfig": config]
        }
        return .object(body)
    }

    /// Events in one GenerateContentResponse (a whole answer or one stream chunk).
    static func decodeChunk(_ json: JSONValue, provider: String) throws -> [ChatEvent] {
        if let message = json["error"]?["message"]?.stringValue {
            throw ProviderError(.interrupted, provider: provider, message: message)
        }
        var events: [ChatEvent] = []
        let candidate = json["candidates"]?[0]
        var sawCall = false
        for (index, part) in (candidate?["content"]?["parts"]?.arrayValue ?? []).enumerated() {
            if part["thought"]?.boolValue == true { continue }
            if let text = part["text"]?.stringValue, !text.isEmpty { events.append(.textDelta(text)) }
            if let call = part["functionCall"] {
                sawCall = true
                let name = call["name"]?.stringValue ?? ""
                events.append(.toolCallDelta(index: index, id: call["id"]?.stringValue ?? "call_\(name)_\(index)",
                                             name: name, arguments: (call["args"] ?? [:]).jsonText))
            }
        }
        if let reason = candidate?["finishReason"]?.stringValue {
            let mapped: FinishReason = switch reason {
            case "MAX_TOKENS": .length
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII": .contentFilter
            default: sawCall ? .toolCalls : .stop
            }
            events.append(.finish(mapped))
        }
        if let usage = json["usageMetadata"], let prompt = usage["promptTokenCount"]?.intValue {
            events.append(.usage(Usage(promptTokens: Int(prompt), completionTokens: Int(usage["candidatesTokenCount"]?.intValue ?? 0))))
        }
        if candidate == nil, let blocked = json["promptFeedback"]?["blockReason"]?.stringValue {
            throw ProviderError(.badRequest, provider: provider, message: "prompt blocked: \(blocked)")
        }
        return events
    }
}
