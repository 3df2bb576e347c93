/// Every bound on what clients may register: a flood of sessions or oversized tool
/// definitions is refused with a JSON-RPC error naming the limit, never stored.
public struct ClientSessionLimits: Sendable {
    /// Registered sessions one principal (user, key, or client certificate) may hold at once.
    public var sessionsPerPrincipal = 8
    /// Registered sessions on this node at once, all principals together.
    public var sessions = 256
    public var toolsPerSession = 64
    /// UTF-8 bytes of one tool description.
    public var descriptionBytes = 4096
    /// UTF-8 bytes of one tool's input schema, serialized.
    public var schemaBytes = 16 * 1024
    /// Nesting depth of one input schema.
    public var schemaDepth = 16
    /// Requests one connection may have in flight (its own tools/call of mesh tools).
    public var requestsPerConnection = 16
    /// Calls waiting on one session's client at once.
    public var pendingCallsPerSession = 64
    /// A client has this long to answer a tools/call before the caller gets an error.
    public var callTimeout: Duration = .seconds(120)

    public init() {}
}
