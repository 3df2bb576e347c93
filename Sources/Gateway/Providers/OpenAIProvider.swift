public import Net
import FoundationEssentials

/// OpenAI chat completions: OpenAI itself and every OpenAI-compatible host (Mistral, Groq,
/// Cerebras, OpenRouter, Cloudflare Workers AI's `/ai/v1`, llama.cpp, vLLM, LM Studio).
public struct OpenAIProvider: LLMProvider {
    public let configuration: ProviderConfiguration
    let http: ProviderHTTP

    public init(configuration: ProviderConfiguration, fetcher: any HTTPFetching) {
        self.configuration = configuration
        self.http = ProviderHTTP(provider: configuration.name, fetcher: fetcher)
    }

    public var name: String { configuration.name }
    public var isLocal: Bool { configuration.isLocal }

    var headers: [(name: String, value: String)] {
        configuration.apiKey.isEmpty ? [] : [(name: "Authorization", value: "Bearer \(configuration.apiKey)")]
    }

    public func models() async throws -> [DiscoveredModel] {
        if configuration.kind == .cloudflare { return try await cloudflareModels() }
        let json = try await http.json("GET", configuration.baseURL + "/models", headers: headers)
        guard let data = json["data"]?.arrayValue ?? json.arrayValue else {
            throw http.invalid("models list has no data array")
        }
        return data.compactMap { entry in
            guard let id = entry["id"]?.stringValue else { return nil }
            let context = (entry["context_window"] ?? entry["context_length"] ?? entry["max_context_length"])?.intValue
            return DiscoveredModel(upstreamID: id, ownedBy: entry["owned_by"]?.stringValue ?? "",
                                   capabilities: capabilities(entry, id: id), contextWindow: context.map { Int($0) })
        }
    }

    /// OpenRouter says what a model takes; elsewhere the name is all there is.
    func capabilities(_ entry: JSONValue, id: String) -> [String] {
        var result = Capabilities.infer(id)
        if let inputs = entry["architecture"]?["input_modalities"]?.arrayValue,
           inputs.contains("image"), !result.contains(Capabilities.vision) {
            result.append(Capabilities.vision)
        }
        if let parameters = entry["supported_parameters"]?.arrayValue,
           parameters.contains("tools"), !result.contains(Capabilities.tools) {
            result.append(Capabilities.tools)
        }
        return result
    }

    /// Cloudflare lists text models through its model search, beside the OpenAI endpoint.
    func cloudflareModels() async throws -> [DiscoveredModel] {
        let root = configuration.baseURL.hasSuffix("/v1") ? String(configuration.baseURL.dropLast(3)) : configuration.baseURL
        let json = try await http.json("GET", root + "/models/search?task=Text%20Generation", headers: headers)
        guard let results = json["result"]?.arrayValue else { throw http.invalid("model search has no result array") }
        return results.compactMap { entry in
            entry["name"]?.stringValue.map { DiscoveredModel(upstreamID: $0, ownedBy: "cloudflare") }
        }
    }

    public func chat(_ request: ChatRequest) async throws -> ChatResponse {
        let body = try await http.body("POST", configuration.baseURL + "/chat/completions", headers: headers,
                                       encodedJSON: Data(OpenAIRequestEncoder.encode(request, stream: false)))
        var response = try body.withUnsafeBytes { bytes throws(ProviderError) in try OpenAIResponseDecoder.decode(bytes, provider: name) }
        if response.model.isEmpty { response.model = request.model }
        return response
    }

    public func stream(_ request: ChatRequest) -> ChatEventStream {
        http.stream(configuration.baseURL + "/chat/completions", headers: headers + [(name: "Accept", value: "text/event-stream")],
                    encodedJSON: Data(OpenAIRequestEncoder.encode(request, stream: true, includeUsage: configuration.streamUsage)),
                    decoder: StreamDecoder(provider: name))
    }

    /// Chunks until `[DONE]`; a stream that ends without it or a finish reason was cut off.
    struct StreamDecoder: UpstreamStreamDecoder {
        let provider: String
        private(set) var stopped = false
        private(set) var complete = false
        let cutOff = "stream ended early"

        init(provider: String) { self.provider = provider }

        typealias Items = SSEEventSequence.AsyncIterator

        mutating func decode(_ event: SSEEvent) throws -> [ChatEvent] {
            if event.data == "[DONE]" {
                stopped = true
                complete = true
                return []
            }
            // Decoded once, from the bytes to the events (no JSON tree per chunk).
            guard let chunk = OpenAIChunkDecoder.decode(event.data) else {
                throw ProviderError(.invalidResponse, provider: provider, message: "unreadable stream chunk")
            }
            if let message = chunk.errorMessage { throw ProviderError(.interrupted, provider: provider, message: message) }
            for case .finish in chunk.events { complete = true }
            return chunk.events
        }
    }
}
