import FoundationEssentials
public import Storage
public import Net

/// CLI agents (`claude -p`, `codex exec`, ...) kept in the replicated `agents` table. The
/// argv template is a JSON array; an element containing `{prompt}` receives the prompt
/// inside that one element (never through a shell). Without a {prompt} marker the prompt is
/// appended as the last argument.
public struct AgentStore: Sendable {
    public struct Agent: Sendable, Equatable {
        public var name: String
        public var argv: [String]
        public var workdir: String
        public var timeoutSeconds: Int

        public init(name: String, argv: [String], workdir: String = "", timeoutSeconds: Int = 300) {
            self.name = name
            self.argv = argv
            self.workdir = workdir
            self.timeoutSeconds = timeoutSeconds
        }

        /// The argv for one prompt: the {prompt} marker is substituted within its element.
        public func command(prompt: String) -> [String] {
            guard argv.contains(where: { $0.contains("{prompt}") }) else { return argv + [prompt] }
            return argv.map { $0.replacing("{prompt}", with: prompt) }
        }
    }

    public let database: Database
    public let origin: ReplicaOrigin

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
    }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// Adds or replaces an agent.
    public func save(_ agent: Agent) async throws {
        guard Self.validName(agent.name) else {
            throw ToolError(.invalidArgument, "agent name must be 1-64 letters, digits, '-', '_' or '.'")
        }
        guard !agent.argv.isEmpty else { throw ToolError(.invalidArgument, "an agent needs a command (argv)") }
        let argv = JSONValue.array(agent.argv.map { .string($0) }).jsonText
        let stamp = origin.stamp()
        let nodeID = origin.nodeID
        try await database.write { connection in
            try connection.run(
                """
                INSERT INTO agents(name, argv, workdir, timeout_seconds, hlc, origin, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT(name) DO UPDATE SET argv = excluded.argv, workdir = excluded.workdir,
                    timeout_seconds = excluded.timeout_seconds, hlc = excluded.hlc, origin = excluded.origin, deleted = 0
                """, agent.name, argv, agent.workdir, agent.timeoutSeconds, stamp, nodeID)
        }
    }

    /// Tombstones an agent; false when there was none.
    @discardableResult
    public func remove(_ name: String) async throws -> Bool {
        let stamp = origin.stamp()
        let nodeID = origin.nodeID
        return try await database.write { connection in
            try connection.run("UPDATE agents SET deleted = 1, hlc = ?, origin = ? WHERE name = ? AND deleted = 0", stamp, nodeID, name) > 0
        }
    }

    public func list() async throws -> [Agent] {
        try await database.read { connection in
            try connection.query("SELECT * FROM agents WHERE deleted = 0 ORDER BY name").map(Self.agent)
        }
    }

    public func agent(named name: String) async throws -> Agent? {
        try await database.read { connection in
            try connection.queryOne("SELECT * FROM agents WHERE name = ? AND deleted = 0", name).map(Self.agent)
        }
    }

    static func agent(_ row: Row) -> Agent {
        let argv = JSONValue.parse(row.string("argv") ?? "[]")?.arrayValue?.compactMap(\.stringValue) ?? []
        return Agent(name: row.string("name") ?? "", argv: argv, workdir: row.string("workdir") ?? "",
                     timeoutSeconds: Int(row.int("timeout_seconds") ?? 300))
    }
}
