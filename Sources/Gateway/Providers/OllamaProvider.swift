public import Net

/// Ollama's native API: `/api/tags` to list, `/api/chat` streaming NDJSON lines.
public struct OllamaProvider: LLMProvider {
    public let configuration: ProviderConfiguration
    let http: ProviderHTTP

    public init(configuration: ProviderConfiguration, fetcher: any HTTPFetching) {
        self.configuration = configuration
        // Local: a dead runtime must fail fast so the offline chain moves on.
        self.http = ProviderHTTP(provider: configuration.name, fetcher: fetcher,
                                 timeouts: .init(connect: .seconds(2), firstByte: .seconds(120), idle: .seconds(120), total: .seconds(900)))
    }

    public var name: String { configuration.name }
    public var isLocal: Bool { configuration.isLocal }

    public func models() async throws -> [DiscoveredModel] {
        let json = try await http.json("GET", configuration.baseURL + "/api/tags", headers: [])
        guard let list = json["models"]?.arrayValue else { throw http.invalid("tags answer has no models array") }
        return list.compactMap { entry in
            (entry["name"] ?? entry["model"])?.stringValue.map { DiscoveredModel(upstreamID: $0, ownedBy: "ollama") }
        }
    }

    public func chat(_ request: ChatRequest) async throws -> ChatResponse {
        let json = try await http.json("POST", configuration.baseURL + "/api/chat", headers: [], json: Self.encodeRequest(request, stream: false))
        var accumulator = ChatAccumulator()
        for event in try Self.decodeLine(json, provider: name, toolBase: 0) { accumulator.add(event) }
        return accumulator.response(model: json["model"]?.stringValue ?? request.model)
    }

    public func stream(_ request: ChatRequest) -> ChatEventStream {
        let http = self.http
        let url = configuration.baseURL + "/api/chat"
        let body = OneShot(Self.encodeRequest(request, stream: true))
        return http.makeStream { continuation in
            let response = try await http.send("POST", url, headers: [], json: body.take(),
                                             receiveBufferBytes: ProviderHTTP.streamReceiveBufferBytes)
            var done = false
            var tools = 0
            try await http.forEachLine(response, pacing: continuation) { line in
                guard let json = JSONValue.parse(line) else { throw http.invalid("unreadable NDJSON line") }
                for event in try Self.decodeLine(json, provider: http.provider, toolBase: tools) {
                    if case .toolCallDelta = event { tools += 1 }
                    continuation.yield(event)
                }
                done = json["done"]?.boolValue == true
                return !done
            }
            if !done { throw ProviderError(.interrupted, provider: http.provider, message: "stream ended before done") }
        }
    }

    static func encodeRequest(_ request: ChatRequest, stream: Bool) -> JSONValue {
        let messages: [JSONValue] = request.messages.map { message in
            var out: [String: JSONValue] = ["role": .string(message.role.rawValue), "content": .string(message.text)]
            let images = message.content.compactMap { part -> JSONValue? in
                guard case .image(let url) = part, url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
                return .string(String(url[url.index(after: comma)...]))
            }
            if !images.isEmpty { out["images"] = .array(images) }
            if !message.toolCalls.isEmpty {
                out["tool_calls"] = .array(message.toolCalls.map { ["function": ["name": .string($0.name), "arguments": JSONValue.parse($0.arguments) ?? [:]]] })
            }
            return .object(out)
        }
        var body: [String: JSONValue] = ["model": .string(request.model), "messages": .array(messages), "stream": .bool(stream)]
        var options: [String: JSONValue] = [:]
        if let maxTokens = request.maxTokens { options["num_predict"] = .int(Int64(maxTokens)) }
        if let temperature = request.temperature { options["temperature"] = .double(temperature) }
        if let topP = request.topP { options["top_p"] = .double(topP) }
        if !request.stop.isEmpty { options["stop"] = .array(request.stop.map { .string($0) }) }
        if !options.isEmpty { body["options"] = .object(options) }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { ["type": "function", "function": ["name": .string($0.name), "description": .string($0.description), "parameters": $0.parameters]] })
        }
        return .object(body)
    }

    static func decodeLine(_ json: JSONValue, provider: String, toolBase: Int) throws -> [ChatEvent] {
        if let message = json["error"]?.stringValue { throw ProviderError(.interrupted, provider: provider, message: message) }
        var events: [ChatEvent] = []
        if let text = json["message"]?["content"]?.stringValue, !text.isEmpty { events.append(.textDelta(text)) }
        let calls = json["message"]?["tool_calls"]?.arrayValue ?? []
        for (offset, call) in calls.enumerated() {
            let name = call["function"]?["name"]?.stringValue ?? ""
            events.append(.toolCallDelta(index: toolBase + offset, id: "call_\(toolBase + offset)_\(name)", name: name,
                                         arguments: (call["function"]?["arguments"] ?? [:]).jsonText))
        }
        if json["done"]?.boolValue == true {
            let reason: FinishReason = json["done_reason"]?.stringValue == "length" ? .length : (toolBase + calls.count > 0 ? .toolCalls : .stop)
            events.append(.finish(reason))
            if let prompt = json["prompt_eval_count"]?.intValue {
                events.append(.usage(Usage(promptTokens: Int(prompt), completionTokens: Int(json["eval_count"]?.intValue ?? 0))))
            }
        }
        return events
    }
}
