public import Core
public import Net
public import Logging

/// The seam every MCP tool implements: a name, a JSON Schema for its arguments, honest
/// annotations, the feature a caller's tier needs, and the call itself. Arguments reach
/// `call` only after they validated against `inputSchema`.
public protocol Tool: Sendable {
    var name: String { get }
    var title: String { get }
    var description: String { get }
    var inputSchema: JSONValue { get }
    var annotations: ToolAnnotations { get }
    var feature: Feature { get }
    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult
}

extension Tool {
    public var title: String { name }

    /// The `tools/list` entry.
    public var listing: JSONValue {
        ["name": .string(name), "title": .string(title), "description": .string(description),
         "inputSchema": inputSchema, "annotations": annotations.json]
    }
}

/// Hints a client may show or use to ask for confirmation. They describe behaviour; they
/// are not a security boundary (gating is the `AccessPolicy`).
public struct ToolAnnotations: Sendable, Equatable {
    public var readOnly: Bool
    public var destructive: Bool
    public var idempotent: Bool
    public var openWorld: Bool

    public init(readOnly: Bool, destructive: Bool = false, idempotent: Bool = false, openWorld: Bool = false) {
        self.readOnly = readOnly
        self.destructive = destructive
        self.idempotent = idempotent
        self.openWorld = openWorld
    }

    public static let readOnlyLocal = ToolAnnotations(readOnly: true, idempotent: true)

    public var json: JSONValue {
        ["readOnlyHint": .bool(readOnly), "destructiveHint": .bool(destructive),
         "idempotentHint": .bool(idempotent), "openWorldHint": .bool(openWorld)]
    }
}

/// What a tool returns: text content for the model, optional structured data.
public struct ToolResult: Sendable, Equatable {
    public var text: [String]
    public var structuredContent: JSONValue?
    public var isError: Bool

    public init(text: [String], structuredContent: JSONValue? = nil, isError: Bool = false) {
        self.text = text
        self.structuredContent = structuredContent
        self.isError = isError
    }

    public static func text(_ text: String, structured: JSONValue? = nil) -> ToolResult {
        ToolResult(text: [text], structuredContent: structured)
    }

    /// Structured data, with its JSON text as the content (older clients read only content).
    public static func structured(_ value: JSONValue) -> ToolResult {
        ToolResult(text: [value.jsonText], structuredContent: value)
    }

    public static func error(_ message: String) -> ToolResult {
        ToolResult(text: [message], isError: true)
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "content": .array(text.map { ["type": "text", "text": .string($0)] }),
            "isError": .bool(isError),
        ]
        if let structuredContent, case .object = structuredContent { object["structuredContent"] = structuredContent }
        return .object(object)
    }
}

/// Per-call context: who is calling, where progress and log notifications go.
public struct ToolContext: Sendable {
    public var principal: Principal
    public var logger: Logger
    /// Sends `notifications/progress` when the request carried a progressToken; else no-op.
    public var progress: @Sendable (_ progress: Double, _ total: Double?, _ message: String?) async -> Void
    /// Sends `notifications/message` when the client's log level admits it.
    public var log: @Sendable (_ level: Logger.Level, _ message: String) async -> Void
    /// The node a forwarded call came from (nil: this node); the audit log records it.
    public var origin: String?

    public init(principal: Principal, logger: Logger = Logger(label: "triforce.mcp"),
                progress: @escaping @Sendable (Double, Double?, String?) async -> Void = { _, _, _ in },
                log: @escaping @Sendable (Logger.Level, String) async -> Void = { _, _ in }, origin: String? = nil) {
        self.principal = principal
        self.logger = logger
        self.progress = progress
        self.log = log
        self.origin = origin
    }
}

/// A failure a tool reports to the caller as a result with `isError: true`: the message
/// says what to change. Anything else a tool throws is reported without internals.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidArgument = "invalid_argument"
        case notFound = "not_found"
        case refused
        case timeout
        case failed
        case tooLarge = "too_large"
        case upstream
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
