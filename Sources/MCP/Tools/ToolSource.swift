public import Core
public import Net

/// The seam for tools that come and go while the node runs (client sessions, other
/// nodes' tools). The registry lists them after the local tools and never lets one hide a
/// local tool of the same name. One real implementation (the mesh's), fakes in tests.
public protocol ToolSource: Sendable {
    /// The tools available now, under the names `tools/list` shows.
    func tools() async -> [any Tool]
    /// The tool a `tools/call` name means; a source may accept names it does not list
    /// (a bare remote name resolved to one of its owners).
    func tool(named name: String) async -> (any Tool)?
}

extension ToolSource {
    public func tool(named name: String) async -> (any Tool)? {
        await tools().first { $0.name == name }
    }
}

/// A tool that runs somewhere else (a client's machine, another node): its definition came
/// from outside and its call is forwarded.
public struct ForwardedTool: Tool {
    public let name: String
    public let title: String
    public let description: String
    public let inputSchema: JSONValue
    public let annotations: ToolAnnotations
    public let feature: Feature
    let forward: @Sendable ([String: JSONValue], ToolContext) async throws -> ToolResult

    public init(name: String, description: String, inputSchema: JSONValue, feature: Feature,
                annotations: ToolAnnotations = ToolAnnotations(readOnly: false, openWorld: true),
                forward: @escaping @Sendable ([String: JSONValue], ToolContext) async throws -> ToolResult) {
        self.name = name
        title = name
        self.description = description
        self.inputSchema = inputSchema
        self.annotations = annotations
        self.feature = feature
        self.forward = forward
    }

    public func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        try await forward(arguments, context)
    }
}

extension ToolResult {
    /// Reads an MCP `CallToolResult` from outside: text content kept, other content kinds
    /// kept as their JSON text, structured content when it is an object.
    public init(callToolResult value: JSONValue) {
        let content = value["content"]?.arrayValue ?? []
        let text = content.map { item in item["type"] == "text" ? (item["text"]?.stringValue ?? "") : item.jsonText }
        let structured = value["structuredContent"].flatMap { $0.objectValue != nil ? $0 : nil }
        self.init(text: text, structuredContent: structured, isError: value["isError"]?.boolValue ?? false)
    }
}
