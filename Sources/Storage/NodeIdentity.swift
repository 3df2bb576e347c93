import FoundationEssentials

/// The node's stable id, created once on first start and kept in the database.
public struct NodeIdentity: Sendable, Equatable {
    public let nodeID: String
    public let createdAt: Int64
    /// True when this call created the identity (first start of a fresh data dir).
    public let isNew: Bool

    /// Reads the identity, creating it when absent. Safe against two processes racing:
    /// `INSERT OR IGNORE` then read back inside one write transaction.
    public static func loadOrCreate(in database: Database) async throws -> NodeIdentity {
        try await database.transaction { connection in
            if let row = try connection.queryOne("SELECT node_id, created_at FROM node_identity WHERE singleton = 1"),
               let id = row.string("node_id"), let created = row.int("created_at") {
                return NodeIdentity(nodeID: id, createdAt: created, isNew: false)
            }
            let id = "node-" + String(UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(12))
            let now = Int64(Date().timeIntervalSince1970)
            try connection.run("INSERT INTO node_identity(singleton, node_id, created_at) VALUES (1, ?, ?)", id, now)
            return NodeIdentity(nodeID: id, createdAt: now, isNew: true)
        }
    }
}
