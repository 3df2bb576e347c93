/// The seam between the gateway and an upstream: one implementation per wire format
/// (OpenAI chat completions, Anthropic Messages, Gemini, Ollama), tests use closures.
/// Every error thrown is a `ProviderError`.
public protocol LLMProvider: Sendable {
    /// The configured instance name (`groq`, `openai`, `my-vllm`): the first part of model ids.
    var name: String { get }
    /// Served on this machine (Ollama, a local OpenAI-compatible runtime): the offline tier.
    var isLocal: Bool { get }
    /// Lists the models the upstream offers now.
    func models() async throws -> [DiscoveredModel]
    /// One complete answer. `request.model` is the upstream id.
    func chat(_ request: ChatRequest) async throws -> ChatResponse
    /// A streamed answer, paced by its consumer. Dropping the stream aborts the upstream request.
    func stream(_ request: ChatRequest) -> ChatEventStream
}

/// A model as discovery found it, before the registry gives it a `provider/upstream-id` id.
public struct DiscoveredModel: Sendable, Equatable {
    public var upstreamID: String
    public var ownedBy: String
    public var capabilities: [String]
    public var contextWindow: Int?

    public init(upstreamID: String, ownedBy: String = "", capabilities: [String]? = nil, contextWindow: Int? = nil) {
        self.upstreamID = upstreamID
        self.ownedBy = ownedBy
        self.capabilities = capabilities ?? Capabilities.infer(upstreamID)
        self.contextWindow = contextWindow
    }
}

/// A provider made of closures, for tests and for the built-in responders.
public struct ClosureProvider: LLMProvider {
    public let name: String
    public let isLocal: Bool
    let listModels: @Sendable () async throws -> [DiscoveredModel]
    let streamBody: @Sendable (ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error>

    public init(name: String, isLocal: Bool = false,
                models: @escaping @Sendable () async throws -> [DiscoveredModel],
                stream: @escaping @Sendable (ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error>) {
        self.name = name
        self.isLocal = isLocal
        self.listModels = models
        self.streamBody = stream
    }

    public func models() async throws -> [DiscoveredModel] { try await listModels() }
    public func chat(_ request: ChatRequest) async throws -> ChatResponse {
        try await ChatResponse.collect(streamBody(request), model: request.model)
    }
    public func stream(_ request: ChatRequest) -> ChatEventStream { ChatEventStream(streamBody(request)) }
}
