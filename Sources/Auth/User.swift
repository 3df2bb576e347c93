/// A user account as stored in the replicated `users` table (without the password hash).
public struct User: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case user, admin
    }

    public var id: String
    public var email: String
    public var tier: String
    public var role: Role
    public var disabled: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public var isAdmin: Bool { role == .admin }

    enum CodingKeys: String, CodingKey {
        case id, email, tier, role, disabled
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
