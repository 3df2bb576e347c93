public import Core
import FoundationEssentials
public import Logging
public import Net
public import ServiceLifecycle

/// Tools across nodes. Each node publishes a catalog of what it runs (its own tools and its
/// client sessions' tools) and announces the catalog's hash in its gossiped metadata
/// (`announce("tools", {hash, count})`), and pushes `mesh/tools.changed` to linked members so
/// a change is seen at once; members fetch the catalog with a `mesh/tools` call whenever the
/// hash they hold differs. A dead or departed member's tools are dropped.
///
/// Calls are forwarded with `mesh/tools.call` carrying the caller's principal, a deadline and
/// an idempotency key; the owner enforces its own policy, audits with the origin node and
/// never runs one key twice. A forwarded call is never retried elsewhere, so a failure mid-
/// call (the owner died, the deadline passed) is an error, not a second run.
public actor ToolFederation: Service {
    /// This node's catalog entries (`RemoteToolEntry.catalogEntry`).
    public typealias Catalog = @Sendable () async -> [JSONValue]
    /// Runs one of this node's tools for a forwarded call: owner's name, arguments,
    /// the caller's principal, the origin node. Returns a `CallToolResult`.
    public typealias Execute = @Sendable (String, JSONValue?, Principal, String) async -> Result<JSONValue, JSONRPCError>

    public static let fetchTimeout: Duration = .seconds(10)
    /// Tools kept per remote node; a larger catalog is cut here (and logged).
    public static let maxToolsPerNode = 1024
    static let reconcileInterval: Duration = .seconds(1)

    let service: MeshService
    let logger: Logger
    let limits: ClientSessionLimits
    let catalog: Catalog
    let execute: Execute
    let idempotency = IdempotencyCache()
    var published: [JSONValue] = []
    var publishedHash = ""
    var nodes: [String: (hash: String, tools: [RemoteToolEntry])] = [:]
    var fetching: Set<String> = []
    var refetch: Set<String> = []
    var inFlight: [String: Int] = [:]

    public init(service: MeshService, logger: Logger, limits: ClientSessionLimits = ClientSessionLimits(),
                catalog: @escaping Catalog, execute: @escaping Execute) {
        self.service = service
        self.logger = logger
        self.limits = limits
        self.catalog = catalog
        self.execute = execute
    }

    /// Every remote tool known now, by owner then name.
    public var tools: [RemoteToolEntry] {
        nodes.keys.sorted().flatMap { nodes[$0]?.tools ?? [] }
    }

    /// Forwarded calls this node is waiting on at `owner`.
    public func load(_ owner: String) -> Int { inFlight[owner, default: 0] }

    // MARK: - Running

    public func run() async throws {
        await start()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: Self.reconcileInterval)
                await self.reconcile()
            }
        }
    }

    func start() async {
        await service.serve("mesh/tools") { [weak self] _, caller in
            guard let self, caller.isMember else { return .failure(JSONRPCError(code: -32000, message: "mesh/tools is for members")) }
            return .success(await self.catalogReply())
        }
        await service.serve("mesh/tools.call") { [weak self] params, caller in
            guard let self else { return .failure(.internalError()) }
            return await self.answerCall(params, caller: caller)
        }
        // Notification handlers run in the link's read loop: the fetch (a call answered on
        // that same link) must not run inside it.
        await service.observe("mesh/tools.changed") { [weak self] params, peer in
            let hash = params["hash"]?.stringValue
            Task { await self?.announced(peer, hash: hash) }
        }
        await service.onMemberChange { [weak self] member in
            Task { await self?.memberChanged(member) }
        }
        await localChanged()
    }

    /// This node's tools changed (a session came or went): publish the new catalog.
    public func localChanged() async {
        let entries = await catalog()
        let hash = SHA256.hexHash(JSONSerializer.serialize(.array(entries)))
        guard hash != publishedHash else { return }
        published = entries
        publishedHash = hash
        await service.announce("tools", ["hash": .string(hash), "count": .int(Int64(entries.count))])
        for peer in await service.linkedPeers {
            await service.notify(peer, method: "mesh/tools.changed", params: ["hash": .string(hash)])
        }
    }

    func catalogReply() -> JSONValue {
        ["hash": .string(publishedHash), "tools": .array(published)]
    }

    func memberChanged(_ member: Member) async {
        guard member.id != service.configuration.nodeID else { return }
        if member.state.isGone {
            if nodes.removeValue(forKey: member.id) != nil {
                logger.info("mesh: remote tools dropped", metadata: ["node": "\(member.id)", "state": "\(member.state.rawValue)"])
            }
            return
        }
        await announced(member.id, hash: member.metadata.health["tools"]?["hash"]?.stringValue)
    }

    /// A member said its catalog hash is `hash`: fetch when ours differs.
    func announced(_ peer: String, hash: String?) async {
        guard let hash, nodes[peer]?.hash != hash else { return }
        await fetch(peer)
    }

    /// Catches what a lost notification or a failed fetch missed: every live member whose
    /// announced hash differs from ours is fetched again; gone members are dropped.
    func reconcile() async {
        let view = await service.snapshot()
        let live = Set(view.members.filter { !$0.member.state.isGone && $0.member.id != view.selfID }.map(\.member.id))
        for gone in nodes.keys where !live.contains(gone) { nodes[gone] = nil }
        for entry in view.members where live.contains(entry.member.id) {
            await announced(entry.member.id, hash: entry.member.metadata.health["tools"]?["hash"]?.stringValue)
        }
    }

    func fetch(_ peer: String) async {
        guard !fetching.contains(peer) else { refetch.insert(peer); return }
        fetching.insert(peer)
        do throws(MeshError) {
            let reply = try await service.call(peer, method: "mesh/tools", params: [:], timeout: Self.fetchTimeout)
            store(peer, reply: reply)
        } catch {
            logger.debug("mesh: tool catalog fetch failed", metadata: ["node": "\(peer)", "error": "\(error)"])
        }
        fetching.remove(peer)
        if refetch.remove(peer) != nil { await fetch(peer) }
    }

    func store(_ peer: String, reply: JSONValue) {
        guard let hash = reply["hash"]?.stringValue, hash.utf8.count <= 128, let entries = reply["tools"]?.arrayValue else {
            logger.warning("mesh: malformed tool catalog", metadata: ["node": "\(peer)"])
            return
        }
        let previous = Dictionary((nodes[peer]?.tools ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var tools: [RemoteToolEntry] = []
        var names: Set<String> = []
        for value in entries.prefix(Self.maxToolsPerNode) {
            switch RemoteToolEntry.parse(value, owner: peer, limits: limits) {
            case .success(let tool):
                guard names.insert(tool.name).inserted else { continue }
                if let known = previous[tool.name], known.description != tool.description || known.inputSchema != tool.inputSchema {
                    logger.warning("mesh: remote tool definition changed", metadata: [
                        "node": "\(peer)", "tool": "\(tool.name)",
                        "description_sha256": "\(SHA256.hexHash(Array(tool.description.utf8)).prefix(16))",
                    ])
                }
                tools.append(tool)
            case .failure(let error):
                logger.warning("mesh: remote tool refused", metadata: ["node": "\(peer)", "reason": "\(error.message)"])
            }
        }
        if entries.count > Self.maxToolsPerNode {
            logger.warning("mesh: remote tool catalog cut", metadata: ["node": "\(peer)", "offered": "\(entries.count)"])
        }
        nodes[peer] = (hash, tools)
    }

    // MARK: - Forwarded calls

    /// Forwards a call to `tool`'s owner and waits at most `deadline`.
    public func call(_ tool: RemoteToolEntry, arguments: JSONValue?, principal: Principal, deadline: Duration) async -> Result<JSONValue, JSONRPCError> {
        let milliseconds = deadline.components.seconds * 1000 + deadline.components.attoseconds / 1_000_000_000_000_000
        let params: JSONValue = ["name": .string(tool.name), "arguments": arguments ?? [:], "principal": principal.meshJSON,
                                 "key": .string(UUID().uuidString), "deadline_ms": .int(milliseconds)]
        inFlight[tool.owner, default: 0] += 1
        defer { inFlight[tool.owner, default: 1] -= 1 }
        do throws(MeshError) {
            return .success(try await service.call(tool.owner, method: "mesh/tools.call", params: params, timeout: deadline))
        } catch {
            let code: Int
            if case .remote(let remote) = error.code { code = remote } else { code = ClientSessions.unavailableCode }
            return .failure(JSONRPCError(code: code, message: "\(tool.name) on \(tool.owner): \(error.message)"))
        }
    }

    /// The owner's side: only members forward; the key is per origin.
    func answerCall(_ params: JSONValue, caller: MeshCaller) async -> Result<JSONValue, JSONRPCError> {
        guard case .member(let origin) = caller else {
            return .failure(JSONRPCError(code: -32000, message: "mesh/tools.call is forwarded between members only"))
        }
        guard let name = params["name"]?.stringValue, name.utf8.count <= 200 else { return .failure(.invalidParams("name is required")) }
        guard let principal = Principal(meshJSON: params["principal"]) else { return .failure(.invalidParams("principal is required")) }
        guard let key = params["key"]?.stringValue, !key.isEmpty, key.utf8.count <= 128 else {
            return .failure(.invalidParams("key (the idempotency key) is required"))
        }
        let arguments = params["arguments"]
        let execute = execute
        return await idempotency.run(origin + "|" + key) {
            await execute(name, arguments, principal, origin)
        }
    }
}
