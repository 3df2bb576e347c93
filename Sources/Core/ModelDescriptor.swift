/// What the gateway and MCP know about a model when asking whether a caller may use it.
public struct ModelDescriptor: Sendable, Equatable {
    public var id: String            // provider/upstream-id
    public var provider: String
    public var capabilities: [String]
    /// Served on this node without an upstream (Ollama, a local OpenAI-compatible runtime).
    public var isLocal: Bool

    public init(id: String, provider: String, capabilities: [String] = [], isLocal: Bool = false) {
        self.id = id
        self.provider = provider
        self.capabilities = capabilities
        self.isLocal = isLocal
    }
}
