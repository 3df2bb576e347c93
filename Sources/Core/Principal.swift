/// Who is calling: set by the auth middleware, read by every handler and tool that gates
/// on tier or role. A request without credentials is a guest identified by address.
public struct Principal: Sendable, Equatable {
    public enum Method: String, Sendable {
        case guest, token, apiKey = "api_key", mesh, local
    }

    /// Stable subject for quotas and ownership: a user id, or `guest:<network>` where the
    /// network is the IPv4 address or the IPv6 /64 (`ClientNetwork.host`), so a guest cannot
    /// mint new identities by rotating through the addresses of one /64.
    public var subject: String
    public var email: String?
    public var tier: String
    public var isAdmin: Bool
    public var method: Method
    /// JWT id for logout; nil for keys and guests.
    public var tokenID: String?

    public init(subject: String, email: String? = nil, tier: String, isAdmin: Bool = false,
                method: Method, tokenID: String? = nil) {
        self.subject = subject
        self.email = email
        self.tier = tier
        self.isAdmin = isAdmin
        self.method = method
        self.tokenID = tokenID
    }

    public static func guest(address: String) -> Principal {
        Principal(subject: "guest:" + ClientNetwork.host(address), tier: "guest", method: .guest)
    }

    public var isGuest: Bool { method == .guest }
}
