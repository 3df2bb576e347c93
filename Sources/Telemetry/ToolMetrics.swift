import CoreMetrics

/// MCP tool calls by tool and outcome (`ok`, `error` for a tool that reported failure,
/// `rejected` for a JSON-RPC error, `cancelled`). Callers pass only registered tool names.
public final class ToolMetrics: Sendable {
    struct Key: Hashable, Sendable {
        var tool: String
        var outcome: String
    }

    static let maxLabelSets = 1_000
    private let calls: LabelCache<Key, CoreMetrics.Counter>

    public init(registry: MetricsRegistry) {
        let factory = registry.factory
        calls = LabelCache(limit: Self.maxLabelSets, overflowKey: Key(tool: "other", outcome: "other")) { key in
            CoreMetrics.Counter(label: "triforce_mcp_tool_calls_total",
                                dimensions: [("tool", LabelValue.clean(key.tool)), ("outcome", key.outcome)], factory: factory)
        }
    }

    public func call(tool: String, outcome: String) {
        calls[Key(tool: tool, outcome: outcome)].increment()
    }
}
