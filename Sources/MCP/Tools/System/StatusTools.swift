public import Core
public import Net
import Logging

/// `status`, `health` and `logs`: what the node knows about itself. The providers are
/// closures so the appliance supplies its own health checks and status.
public enum StatusTools {
    public static func all(status: @escaping @Sendable () async -> JSONValue,
                           health: @escaping @Sendable () async -> JSONValue,
                           logRing: LogRing) -> [any Tool] {
        [ClosureTool(name: "status", description: "Node status: version, node id, uptime, sessions.", feature: .chat,
                     annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, _ in .structured(await status()) },
         ClosureTool(name: "health", description: "Run the node's readiness checks (database, migrations, ...).", feature: .chat,
                     annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, _ in .structured(await health()) },
         LogsTool(ring: logRing)]
    }
}

/// A tool made of a closure, for small tools and for tests.
public struct ClosureTool: Tool {
    public let name: String
    public let description: String
    public let feature: Feature
    public let annotations: ToolAnnotations
    public let inputSchema: JSONValue
    let body: @Sendable ([String: JSONValue], ToolContext) async throws -> ToolResult

    public init(name: String, description: String, feature: Feature, annotations: ToolAnnotations, schema: JSONValue,
                _ body: @escaping @Sendable ([String: JSONValue], ToolContext) async throws -> ToolResult) {
        self.name = name
        self.description = description
        self.feature = feature
        self.annotations = annotations
        self.inputSchema = schema
        self.body = body
    }

    public func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        try await body(arguments, context)
    }
}

struct LogsTool: Tool {
    let ring: LogRing
    let name = "logs"
    let description = "Recent log lines of this node, filtered by minimum level and category (logger label prefix)."
    let feature = Feature.admin
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object([
            "level": InputSchema.string("minimum level", enum: ["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            "category": InputSchema.string("logger label prefix, e.g. triforce.mcp", maxLength: 200),
            "limit": InputSchema.integer("most lines", minimum: 1, maximum: 2_000),
        ])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let lines = ring.recent(limit: Int(arguments["limit"]?.intValue ?? 100), minimumLevel: arguments["level"]?.stringValue,
                                label: arguments["category"]?.stringValue)
        let text = lines.map { line in
            let metadata = line.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(line.level) \(line.label): \(line.message)" + (metadata.isEmpty ? "" : " " + metadata)
        }
        let entries: [JSONValue] = lines.map { line in
            ["timestamp": .double(line.timestamp), "level": .string(line.level), "category": .string(line.label),
             "message": .string(line.message), "metadata": .object(line.metadata.mapValues { .string($0) })]
        }
        return ToolResult(text: [text.isEmpty ? "(no lines)" : text.joined(separator: "\n")], structuredContent: ["lines": .array(entries)])
    }
}
