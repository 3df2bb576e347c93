public import Net

/// Anthropic Messages API: `x-api-key` + `anthropic-version`, SSE event stream.
public struct AnthropicProvider: LLMProvider {
    public static let apiVersion = "2023-06-01"
    public let configuration: ProviderConfiguration
    let http: ProviderHTTP

    public init(configuration: ProviderConfiguration, fetcher: any HTTPFetching) {
        self.configuration = configuration
        self.http = ProviderHTTP(provider: configuration.name, fetcher: fetcher)
    }

    public var name: String { configuration.name }
    public var isLocal: Bool { configuration.isLocal }

    var headers: [(name: String, value: String)] {
        [(name: "x-api-key", value: configuration.apiKey), (name: "anthropic-version", value: Self.apiVersion)]
    }

    public func models() async throws -> [DiscoveredModel] {
        let json = try await http.json("GET", configuration.baseURL + "/models?limit=1000", headers: headers)
        guard let data = json["data"]?.arrayValue else { throw http.invalid("models list has no data array") }
        return data.compactMap { entry in
            entry["id"]?.stringValue.map { DiscoveredModel(upstreamID: $0, ownedBy: "anthropic", contextWindow: 200_000) }
        }
    }

    public func chat(_ request: ChatRequest) async throws -> ChatResponse {
        let json = try await http.json("POST", configuration.baseURL + "/messages", headers: headers,
                                       json: AnthropicWire.encodeRequest(request, stream: false))
        var response = try AnthropicWire.decodeResponse(json, provider: name)
        if response.model.isEmpty { response.model = request.model }
        return response
    }

    public func stream(_ request: ChatRequest) -> ChatEventStream {
        http.stream(configuration.baseURL + "/messages", headers: headers + [(name: "Accept", value: "text/event-stream")],
                    json: AnthropicWire.encodeRequest(request, stream: true), decoder: StreamDecoder(provider: name))
    }

    /// Messages events until `message_stop`.
    struct StreamDecoder: UpstreamStreamDecoder {
        let provider: String
        private var wire = AnthropicStreamDecoder()
        let cutOff = "stream ended before message_stop"

        init(provider: String) { self.provider = provider }

        typealias Items = SSEEventSequence.AsyncIterator

        mutating func decode(_ event: SSEEvent) throws -> [ChatEvent] { try wire.decode(event, provider: provider) }
        var stopped: Bool { wire.stopped }
        var complete: Bool { wire.stopped }
    }
}
