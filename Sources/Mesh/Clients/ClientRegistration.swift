public import Net

/// The seed's `node/register` params, checked:
/// `{"session_id": "my-client", "hostname": "my-machine", "tools": ["custom_tool"], "tier": "pro"}`.
public struct ClientRegistration: Sendable, Equatable {
    public let sessionID: String
    public let hostname: String
    public let tools: [ClientToolDefinition]
    /// The tier the client asks to act with (it gets the lower of this and its credentials').
    public let requestedTier: String?

    public init(sessionID: String, hostname: String, tools: [ClientToolDefinition], requestedTier: String?) {
        self.sessionID = sessionID
        self.hostname = hostname
        self.tools = tools
        self.requestedTier = requestedTier
    }

    public static func parse(_ params: JSONValue?, limits: ClientSessionLimits) throws(JSONRPCError) -> ClientRegistration {
        guard let object = params?.objectValue else {
            throw .invalidParams("node/register needs params {session_id, hostname, tools, tier}")
        }
        guard let sessionID = object["session_id"]?.stringValue, ClientToolDefinition.isValidName(sessionID) else {
            throw .invalidParams("session_id must be 1 to 64 of A-Z a-z 0-9 _ -")
        }
        var hostname = ""
        if let given = object["hostname"], !given.isNull {
            guard let text = given.stringValue, text.utf8.count <= 255 else { throw .invalidParams("hostname must be a string of at most 255 bytes") }
            hostname = text
        }
        var tier: String?
        if let given = object["tier"], !given.isNull {
            guard let text = given.stringValue, !text.isEmpty, text.utf8.count <= 64 else {
                throw .invalidParams("tier must be a tier name (at most 64 bytes)")
            }
            tier = text
        }
        let entries = object["tools"]?.arrayValue ?? []
        if let given = object["tools"], given.arrayValue == nil, !given.isNull {
            throw .invalidParams("tools must be an array of names or MCP tool definitions")
        }
        // Counted before anything is parsed: an oversized list costs nothing more.
        guard entries.count <= limits.toolsPerSession else {
            throw JSONRPCError(code: ClientSessions.limitCode,
                               message: "\(entries.count) tools offered; a session may register at most \(limits.toolsPerSession)")
        }
        var tools: [ClientToolDefinition] = []
        var names: Set<String> = []
        for entry in entries {
            let tool = try ClientToolDefinition.parse(entry, limits: limits)
            guard names.insert(tool.name).inserted else { throw .invalidParams("tool \(tool.name) is listed twice") }
            tools.append(tool)
        }
        return ClientRegistration(sessionID: sessionID, hostname: hostname, tools: tools, requestedTier: tier)
    }
}
