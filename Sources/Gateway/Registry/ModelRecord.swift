/// A row of the `models` table: one model one provider offers, id `provider/upstream-id`.
public struct ModelRecord: Sendable, Equatable {
    public var id: String
    public var provider: String
    public var upstreamID: String
    public var ownedBy: String
    public var capabilities: [String]
    public var contextWindow: Int?
    public var createdAt: Int64
    public var lastSeenAt: Int64
    /// `available`, or `unavailable` when the provider's last discovery failed.
    public var status: String

    public init(id: String, provider: String, upstreamID: String, ownedBy: String = "", capabilities: [String] = [],
                contextWindow: Int? = nil, createdAt: Int64 = 0, lastSeenAt: Int64 = 0, status: String = "available") {
        self.id = id
        self.provider = provider
        self.upstreamID = upstreamID
        self.ownedBy = ownedBy
        self.capabilities = capabilities
        self.contextWindow = contextWindow
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.status = status
    }

    public var isChat: Bool { capabilities.contains(Capabilities.chat) }
    public var isAvailable: Bool { status == "available" }
}
