public import Storage
import Net
import FoundationEssentials

/// Users in the replicated `users` table. Every write stamps `hlc`/`origin`; delete is a
/// tombstone (`deleted = 1`) and every read filters `deleted = 0`.
public struct UserStore: Sendable {
    public let database: Database
    public let origin: ReplicaOrigin
    public let hasher: PasswordHasher
    /// Live users by id for the per-request check, rebuilt on every database change.
    private let live: Snapshot<[String: User]>

    public init(database: Database, origin: ReplicaOrigin, hasher: PasswordHasher = PasswordHasher()) {
        self.database = database
        self.origin = origin
        self.hasher = hasher
        self.live = Snapshot(database: database) { database in
            let rows = try await database.read { try $0.query("SELECT \(Self.columns) FROM users WHERE deleted = 0") }
            var users: [String: User] = [:]
            for user in rows.compactMap(Self.user) { users[user.id] = user }
            return users
        }
    }

    static let columns = "id, email, tier, role, disabled, created_at, updated_at"

    /// Creates a user. The tier must exist; the email must not be taken.
    @discardableResult
    public func add(email rawEmail: String, password: String, tier: String = "guest", role: User.Role = .user) async throws -> User {
        let email = try Email.normalize(rawEmail)
        guard password.utf8.count >= 8 else { throw AuthError(.weakPassword, "password must be at least 8 characters") }
        let hash = try await hasher.hash(password)
        let id = "usr_" + Hex.encode(try SecureRandom.bytes(8))
        let now = Int64(Date().timeIntervalSince1970)
        let origin = self.origin
        return try await database.transaction { connection in
            try Self.requireTier(tier, connection)
            if try connection.queryOne("SELECT id FROM users WHERE email = ? AND deleted = 0", email) != nil {
                throw AuthError(.userExists, "a user with email \(email) already exists")
            }
            try connection.run("""
                INSERT INTO users(id, email, password_hash, tier, role, disabled, created_at, updated_at, hlc, origin, deleted)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 0)
                """, id, email, hash, tier, role.rawValue, now, now, origin.stamp(connection), origin.nodeID)
            return User(id: id, email: email, tier: tier, role: role, disabled: false, createdAt: now, updatedAt: now)
        }
    }

    /// A live (not deleted) user by id: the per-request check, from the in-memory snapshot
    /// (a disable, delete or tier change applies to the next request: writes swap it).
    public func find(id: String) async throws -> User? { try await live.current()[id] }

    public func find(email rawEmail: String) async throws -> User? {
        guard let email = try? Email.normalize(rawEmail) else { return nil }
        return try await database.read { try $0.queryOne("SELECT \(Self.columns) FROM users WHERE email = ? AND deleted = 0", email).flatMap(Self.user) }
    }

    /// The user and stored password hash for login; nil when no live user has that email.
    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        try await database.read { connection in
            guard let row = try connection.queryOne("SELECT \(Self.columns), password_hash FROM users WHERE email = ? AND deleted = 0", email),
                  let user = Self.user(row), let hash = row.string("password_hash") else { return nil }
            return (user, hash)
        }
    }

    public func list() async throws -> [User] {
        try await database.read { try $0.query("SELECT \(Self.columns) FROM users WHERE deleted = 0 ORDER BY email").compactMap(Self.user) }
    }

    public func hasAdmin() async throws -> Bool {
        try await database.read { try $0.scalar("SELECT count(*) FROM users WHERE role = 'admin' AND deleted = 0") } != .integer(0)
    }

    public func setTier(email: String, tier: String) async throws {
        try await update(email: email) { connection, id, stamp in
            try Self.requireTier(tier, connection)
            try connection.run("UPDATE users SET tier = ?, updated_at = ?, hlc = ?, origin = ? WHERE id = ?", tier, stamp.now, stamp.hlc, stamp.origin, id)
        }
    }

    public func setPassword(email: String, password: String) async throws {
        guard password.utf8.count >= 8 else { throw AuthError(.weakPassword, "password must be at least 8 characters") }
        let hash = try await hasher.hash(password)
        try await update(email: email) { connection, id, stamp in
            try connection.run("UPDATE users SET password_hash = ?, updated_at = ?, hlc = ?, origin = ? WHERE id = ?", hash, stamp.now, stamp.hlc, stamp.origin, id)
        }
    }

    public func setDisabled(email: String, _ disabled: Bool) async throws {
        try await update(email: email) { connection, id, stamp in
            try connection.run("UPDATE users SET disabled = ?, updated_at = ?, hlc = ?, origin = ? WHERE id = ?", disabled, stamp.now, stamp.hlc, stamp.origin, id)
        }
    }

    public func setRole(email: String, _ role: User.Role) async throws {
        try await update(email: email) { connection, id, stamp in
            try connection.run("UPDATE users SET role = ?, updated_at = ?, hlc = ?, origin = ? WHERE id = ?", role.rawValue, stamp.now, stamp.hlc, stamp.origin, id)
        }
    }

    /// Tombstones the user and their API keys; their tokens fail the per-request user check.
    public func delete(email: String) async throws {
        try await update(email: email) { connection, id, stamp in
            try connection.run("UPDATE users SET deleted = 1, updated_at = ?, hlc = ?, origin = ? WHERE id = ?", stamp.now, stamp.hlc, stamp.origin, id)
            try connection.run("UPDATE api_keys SET deleted = 1, hlc = ?, origin = ? WHERE user_id = ? AND deleted = 0", stamp.hlc, stamp.origin, id)
        }
    }

    struct Stamp { let now: Int64; let hlc: Int64; let origin: String }

    private func update(email rawEmail: String, _ body: @escaping @Sendable (Connection, String, Stamp) throws -> Void) async throws {
        let email = try Email.normalize(rawEmail)
        let origin = self.origin
        try await database.transaction { connection in
            guard let id = try connection.queryOne("SELECT id FROM users WHERE email = ? AND deleted = 0", email)?.string("id") else {
                throw AuthError(.userNotFound, "no user with email \(email); `triforce user list` shows them")
            }
            try body(connection, id, Stamp(now: Int64(Date().timeIntervalSince1970), hlc: origin.stamp(connection), origin: origin.nodeID))
        }
    }

    static func requireTier(_ tier: String, _ connection: Connection) throws {
        guard try connection.queryOne("SELECT name FROM tiers WHERE name = ? AND deleted = 0", tier) != nil else {
            throw AuthError(.unknownTier, "unknown tier '\(tier)'; `triforce tier list` shows them")
        }
    }

    static func user(_ row: Row) -> User? {
        guard let id = row.string("id"), let email = row.string("email"), let tier = row.string("tier"),
              let role = row.string("role").flatMap(User.Role.init(rawValue:)) else { return nil }
        return User(id: id, email: email, tier: tier, role: role, disabled: row.bool("disabled") ?? true,
                    createdAt: row.int("created_at") ?? 0, updatedAt: row.int("updated_at") ?? 0)
    }
}
