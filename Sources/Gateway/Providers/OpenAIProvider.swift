public import Net

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
        let json = try await http.json("POST", configuration.baseURL + "/chat/completions", headers: headers,
                                       json: OpenAIWire.encodeRequest(request, stream: false))
        var response = try OpenAIWire.decodeResponse(json, provider: name)
        if response.model.isEmpty { response.model = request.model }
        return response
    }

    public func stream(_ request: ChatRequest) -> ChatEventStream {
        let http = self.http
        let url = configuration.baseURL + "/chat/completions"
        let body = OneShot(OpenAIWire.encodeRequest(request, stream: true, includeUsage: configuration.streamUsage))
        let headers = self.headers
        return http.makeStream { continuation in
            let response = try await http.send("POST", url, headers: headers + [(name: "Accept", value: "text/event-stream")], json: body.take(),
                                             receiveBufferBytes: ProviderHTTP.streamReceiveBufferBytes)
            var finished = false
            try await http.forEachSSE(response, pacing: continuation) { event in
                if event.data == "[DONE]" { finished = true; return false }
                // Decoded once, from the bytes to the events (no JSON tree per chunk).
                guard let chunk = OpenAIChunkDecoder.decode(event.data) else { throw http.invalid("unreadable stream chunk") }
                if let message = chunk.errorMessage {
                    throw ProviderError(.interrupted, provider: http.provider, message: message)
                }
                for chatEvent in chunk.events {
                    if case .finish = chatEvent { finished = true }
                    continuation.yield(chatEvent)
                }
                return true
            }
            // A stream that ends without [DONE] or a finish reason was cut off.
            if !finished { throw ProviderError(.interrupted, provider: http.provider, message: "stream ended early") }
        }
    }
}
