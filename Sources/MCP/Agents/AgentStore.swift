import FoundationEssentials
public import Storage
import Net

/// CLI agents (`claude -p`, `codex exec`, ...) kept in the replicated `agents` table. The
/// argv template is a JSON array; a `{prompt}` element receives the prompt as one argument
/// (never through a shell). Without a {prompt} marker the prompt is appended as the last
/// argument. Templates that would splice the prompt into code or text (`AgentTemplate`) are
/// refused unless saved with `allowShellInterpolation`.
public struct AgentStore: Sendable {
    public struct Agent: Sendable, Equatable {
        public var name: String
        public var argv: [String]
        public var workdir: String
        public var timeoutSeconds: Int
        /// The admin accepted a template that splices the prompt into code or text
        /// (`triforce agent add --allow-shell-interpolation`).
        public var allowShellInterpolation: Bool

        public init(name: String, argv: [String], workdir: String = "", timeoutSeconds: Int = 300,
                    allowShellInterpolation: Bool = false) {
            self.name = name
            self.argv = argv
            self.workdir = workdir
            self.timeoutSeconds = timeoutSeconds
            self.allowShellInterpolation = allowShellInterpolation
        }

        /// Why this template is refused, or nil when it may run.
        public var refusal: String? {
            let risks = AgentTemplate.risks(argv)
            guard !risks.isEmpty, !allowShellInterpolation else { return nil }
            return "agent \(name) is refused: " + risks.map(\.description).joined(separator: "; ") +
                ". Pass {prompt} as its own argument (e.g. claude -p {prompt}), or, if you accept that a prompt can run commands, add the agent with --allow-shell-interpolation"
        }

        /// The argv for one prompt (see `AgentTemplate.command`); refused templates throw.
        public func command(prompt: String) throws(ToolError) -> [String] {
            if let refusal { throw ToolError(.refused, refusal) }
            return try AgentTemplate.command(argv, prompt: prompt)
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

    /// Why `agent` cannot be saved, or nil when it can.
    public static func problem(with agent: Agent) -> ToolError? {
        guard validName(agent.name) else { return ToolError(.invalidArgument, "agent name must be 1-64 letters, digits, '-', '_' or '.'") }
        guard !agent.argv.isEmpty else { return ToolError(.invalidArgument, "an agent needs a command (argv)") }
        if let refusal = agent.refusal { return ToolError(.refused, refusal) }
        return nil
    }

    /// Adds or replaces an agent.
    public func save(_ agent: Agent) async throws {
        let origin = self.origin
        try await database.transaction { try Self.write(agent, $0, origin) }
    }

    /// The checked upsert on a caller's connection (one transaction with other stores' writes).
    public static func write(_ agent: Agent, _ connection: Connection, _ origin: ReplicaOrigin) throws {
        if let problem = problem(with: agent) { throw problem }
        let argv = JSONValue.array(agent.argv.map { .string($0) }).jsonText
        try connection.run(
            """
            INSERT INTO agents(name, argv, workdir, timeout_seconds, allow_shell_interpolation, hlc, origin, deleted)
            VALUES (?, ?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT(name) DO UPDATE SET argv = excluded.argv, workdir = excluded.workdir,
                timeout_seconds = excluded.timeout_seconds, allow_shell_interpolation = excluded.allow_shell_interpolation,
                hlc = excluded.hlc, origin = excluded.origin, deleted = 0
            """, agent.name, argv, agent.workdir, agent.timeoutSeconds, agent.allowShellInterpolation ? 1 : 0,
            origin.stamp(connection), origin.nodeID)
    }

    /// Tombstones an agent; false when there was none.
    @discardableResult
    public func remove(_ name: String) async throws -> Bool {
        let origin = self.origin
        return try await database.transaction { try Self.remove(name, $0, origin) }
    }

    /// The tombstone on a caller's connection.
    @discardableResult
    public static func remove(_ name: String, _ connection: Connection, _ origin: ReplicaOrigin) throws -> Bool {
        try connection.run("UPDATE agents SET deleted = 1, hlc = ?, origin = ? WHERE name = ? AND deleted = 0",
                           origin.stamp(connection), origin.nodeID, name) > 0
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
                     timeoutSeconds: Int(clamping: row.int("timeout_seconds") ?? 300),
                     allowShellInterpolation: (row.int("allow_shell_interpolation") ?? 0) != 0)
    }
}
