/// Every metric family of one node, sharing one registry.
public struct NodeMetrics: Sendable {
    public let registry: MetricsRegistry
    public let http: HTTPMetrics
    public let upstream: UpstreamMetrics
    public let tools: ToolMetrics
    public let mesh: MeshMetrics

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        http = HTTPMetrics(registry: registry)
        upstream = UpstreamMetrics(registry: registry)
        tools = ToolMetrics(registry: registry)
        mesh = MeshMetrics(registry: registry)
    }
}
