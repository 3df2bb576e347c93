public import Net

/// One tool another node offers, from its catalog (`mesh/tools`). The catalog is untrusted
/// input: names, sizes and schemas are checked like a client's registration.
public struct RemoteToolEntry: Sendable, Equatable {
    /// The node that runs it.
    public let owner: String
    /// The owner's name for it: a tool of its own, or `SESSION.tool` for a client session's.
    public let name: String
    public let description: String
    public let inputSchema: JSONValue
    /// The feature a caller's tier needs (checked here and again on the owner).
    public let feature: String
    /// The client session offering it, for session tools.
    public let session: String?

    public init(owner: String, name: String, description: String, inputSchema: JSONValue, feature: String, session: String?) {
        self.owner = owner
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.feature = feature
        self.session = session
    }

    /// The tool's own name, without a session prefix.
    public var bareName: String { name.split(separator: ".").last.map(String.init) ?? name }

    /// This node's catalog entry for one tool.
    public static func catalogEntry(name: String, description: String, inputSchema: JSONValue, feature: String, session: String?) -> JSONValue {
        var entry: [String: JSONValue] = ["name": .string(name), "description": .string(description), "inputSchema": inputSchema,
                                          "feature": .string(feature)]
        if let session { entry["session"] = .string(session) }
        return .object(entry)
    }

    /// Reads one catalog entry from `owner`; nil (logged by the caller) when it breaks a rule.
    static func parse(_ value: JSONValue, owner: String, limits: ClientSessionLimits) -> Result<RemoteToolEntry, JSONRPCError> {
        guard let name = value["name"]?.stringValue else { return .failure(.invalidParams("a catalog entry has no name")) }
        let session = value["session"]?.stringValue
        if let session {
            guard ClientToolDefinition.isValidName(session), name.hasPrefix(session + "."),
                  ClientToolDefinition.isValidName(String(name.dropFirst(session.count + 1))) else {
                return .failure(.invalidParams("session tool \(String(name.prefix(80)).debugDescription) is not named SESSION.tool"))
            }
        } else if !ClientToolDefinition.isValidName(name) {
            return .failure(ClientToolDefinition.invalidName(name))
        }
        let description = value["description"]?.stringValue ?? ""
        guard description.utf8.count <= limits.descriptionBytes else {
            return .failure(.invalidParams("tool \(name): description is \(description.utf8.count) bytes; the limit is \(limits.descriptionBytes)"))
        }
        let schema = value["inputSchema"] ?? ClientToolDefinition.openSchema
        do { try ClientToolDefinition.checkSchema(schema, tool: name, limits: limits) } catch { return .failure(error) }
        guard let feature = value["feature"]?.stringValue, ClientToolDefinition.isValidName(feature) else {
            return .failure(.invalidParams("tool \(name): feature must be a feature name"))
        }
        return .success(RemoteToolEntry(owner: owner, name: name, description: description, inputSchema: schema, feature: feature,
                                        session: session))
    }
}
