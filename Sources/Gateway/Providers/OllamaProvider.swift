public import Net
import FoundationEssentials

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
        http.stream(configuration.baseURL + "/api/chat", headers: [], json: Self.encodeRequest(request, stream: true),
                    decoder: StreamDecoder(provider: name))
    }

    /// NDJSON lines until one says `done`.
    struct StreamDecoder: UpstreamStreamDecoder {
        let provider: String
        private(set) var stopped = false
        private var tools = 0
        let cutOff = "stream ended before done"

        init(provider: String) { self.provider = provider }

        typealias Items = NDJSONLineSequence.AsyncIterator

        mutating func decode(_ line: Data) throws -> [ChatEvent] {
            guard let json = JSONValue.parse(line) else {
                throw ProviderError(.invalidResponse, provider: provider, message: "unreadable NDJSON line")
            }
            let events = try OllamaProvider.decodeLine(json, provider: provider, toolBase: tools)
            for case .toolCallDelta in events { tools += 1 }
            stopped = json["done"]?.boolValue == true
            return events
        }

        var complete: Bool { stopped }
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
