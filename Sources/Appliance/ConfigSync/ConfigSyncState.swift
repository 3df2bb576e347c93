import Storage
import Net
import FoundationEssentials

/// What config from git has done on this node, kept in the node-local settings table (key
/// `sync.config.state`) so the server, `triforce sync config` and `/health` all read one
/// truth. Written in the same transaction as the config it describes.
struct ConfigSyncState: Codable, Sendable, Equatable {
    /// Names this repository applied, per kind: removed again when they leave the repository.
    struct Managed: Codable, Sendable, Equatable {
        var routes: [String] = []
        var tiers: [String] = []
        var providers: [String] = []
        var agents: [String] = []
        var prompts: [String] = []
    }

    /// The last round that did not apply its commit.
    struct Problem: Codable, Sendable, Equatable {
        var code: ConfigSyncError.Code
        var message: String
        var path: String?
        var commit: String?
        var at: Int64
    }

    var url: String?
    var branch: String?
    var appliedCommit: String?
    var appliedAt: Int64?
    var managed = Managed()
    /// The branch tip seen by the last fetch.
    var fetchedCommit: String?
    var checkedAt: Int64?
    var problem: Problem?
    /// The release manifest of the applied commit (nil: the repository names none).
    var release: ReleaseManifest?

    enum CodingKeys: String, CodingKey {
        case url, branch, managed, problem, release
        case appliedCommit = "applied_commit", appliedAt = "applied_at", fetchedCommit = "fetched_commit", checkedAt = "checked_at"
    }

    static let settingsKey = "sync.config.state"

    static func load(_ connection: Connection) throws -> ConfigSyncState {
        guard let text = try connection.queryOne("SELECT value FROM settings WHERE key = ?", settingsKey)?.string("value") else {
            return ConfigSyncState()
        }
        // A state this build cannot read is treated as none: the next apply rewrites it.
        return (try? JSONDecoder().decode(ConfigSyncState.self, from: Data(text.utf8))) ?? ConfigSyncState()
    }

    static func load(_ database: Database) async throws -> ConfigSyncState {
        try await database.read { try load($0) }
    }

    func save(_ connection: Connection) throws {
        let text = String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        try connection.run("""
            INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, Self.settingsKey, text, Self.now())
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// The state for `/health`, the `status` tool and the admin API (URL credentials hidden).
    var json: JSONValue {
        var shown = self
        shown.url = url.map(SecretRedaction.redactURLCredentials)
        return JSONValue.parse(String(decoding: (try? JSONEncoder().encode(shown)) ?? Data("{}".utf8), as: UTF8.self)) ?? [:]
    }

    /// One line: the applied commit and, when the last round failed, why.
    var summary: String {
        var text = appliedCommit.map { "config commit \($0.prefix(12))" } ?? "no config commit applied yet"
        if let problem {
            text += "; " + (problem.commit.map { "\($0.prefix(12)) " } ?? "") + "not applied: "
                + (problem.path.map { "\($0): " } ?? "") + problem.message
        }
        return text
    }
}
