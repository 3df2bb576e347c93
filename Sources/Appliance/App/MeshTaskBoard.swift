import Core
import FoundationEssentials
import Logging
import MCP
import Mesh
import Net

/// `mesh_task`: prompts run by a CLI agent on a named node or the least loaded node offering
/// it, tracked here (the node that took the task) by id. A task is leased to its runner: while
/// the runner's link holds, the lease holds; when the link drops (the runner died), the task
/// waits out the lease and then runs once more on another node offering the agent, and its
/// result says so (`retried`, `first_node`). A second failure is final. Tasks live in memory on
/// the node that took them: that node restarting loses them (documented).
actor MeshTaskBoard {
    struct Record {
        let id: String
        let agent: String
        let prompt: String
        let principal: Principal
        var node: String
        var attempts = 1
        var firstNode: String?
        var status = "running"
        var result: JSONValue?
        var error: String?
        let submitted = Date()
        var finished: Date?

        var json: JSONValue {
            var object: [String: JSONValue] = [
                "id": .string(id), "agent": .string(agent), "node": .string(node), "status": .string(status),
                "attempts": .int(Int64(attempts)), "retried": .bool(firstNode != nil),
            ]
            if let firstNode { object["first_node"] = .string(firstNode) }
            if let result { object["result"] = result }
            if let error { object["error"] = .string(error) }
            return .object(object)
        }
    }

    static let capacity = 1000
    let nodeID: String
    let service: MeshService?
    let federation: ToolFederation?
    let lease: Duration
    /// This node's agents and how many runs are active.
    let localAgents: @Sendable () async -> (names: [String], active: Int)
    /// Runs `agent_call` here for a principal (policy and audit included).
    let runLocal: @Sendable (JSONValue, Principal) async -> Result<JSONValue, JSONRPCError>
    let logger: Logger
    var records: [String: Record] = [:]
    var order: [String] = []

    init(nodeID: String, service: MeshService?, federation: ToolFederation?, lease: Duration, logger: Logger,
         localAgents: @escaping @Sendable () async -> (names: [String], active: Int),
         runLocal: @escaping @Sendable (JSONValue, Principal) async -> Result<JSONValue, JSONRPCError>) {
        self.nodeID = nodeID
        self.service = service
        self.federation = federation
        self.lease = lease
        self.logger = logger
        self.localAgents = localAgents
        self.runLocal = runLocal
    }

    /// Agents per node: this one and every linked member that answers `mesh/agents` in time.
    func agentsByNode() async -> [(node: String, agents: [String], active: Int)] {
        let local = await localAgents()
        var result = [(node: nodeID, agents: local.names, active: local.active)]
        guard let service else { return result }
        await withTaskGroup(of: (String, [String], Int)?.self) { group in
            for peer in await service.linkedPeers {
                group.addTask {
                    guard let reply = try? await service.call(peer, method: "mesh/agents", params: [:], timeout: .seconds(5)) else { return nil }
                    let names = (reply["agents"]?.arrayValue ?? []).prefix(256).compactMap(\.stringValue)
                    return (peer, Array(names), Int(clamping: reply["active"]?.intValue ?? 0))
                }
            }
            for await item in group {
                if let item { result.append((node: item.0, agents: item.1, active: item.2)) }
            }
        }
        return result.sorted { $0.node < $1.node }
    }

    func submit(agent: String, prompt: String, node: String?, principal: Principal) async throws(ToolError) -> JSONValue {
        let offering = await agentsByNode().filter { $0.agents.contains(agent) }
        let chosen: String
        if let node {
            guard offering.contains(where: { $0.node == node }) else {
                throw ToolError(.notFound, "node \(node) offers no agent \(agent) (or is not linked); mesh_agents lists them")
            }
            chosen = node
        } else {
            guard let least = offering.min(by: { ($0.active, $0.node == nodeID ? 0 : 1) < ($1.active, $1.node == nodeID ? 0 : 1) }) else {
                throw ToolError(.notFound, "no node offers an agent named \(agent); mesh_agents lists them")
            }
            chosen = least.node
        }
        let id = "task-" + UUID().uuidString.lowercased().prefix(12)
        records[String(id)] = Record(id: String(id), agent: agent, prompt: prompt, principal: principal, node: chosen)
        order.append(String(id))
        trim()
        Task { await self.execute(String(id)) }
        return ["id": .string(String(id)), "node": .string(chosen), "status": "running"]
    }

    func status(_ id: String) -> JSONValue? { records[id]?.json }

    func execute(_ id: String) async {
        guard let record = records[id] else { return }
        let arguments: JSONValue = ["agent": .string(record.agent), "prompt": .string(record.prompt)]
        let outcome: Result<JSONValue, JSONRPCError>
        if record.node == nodeID {
            outcome = await runLocal(arguments, record.principal)
        } else if let federation {
            let entry = RemoteToolEntry(owner: record.node, name: "agent_call", description: "", inputSchema: [:], feature: Feature.agents.rawValue,
                                        session: nil)
            outcome = await federation.call(entry, arguments: arguments, principal: record.principal, deadline: .seconds(3600))
        } else {
            outcome = .failure(JSONRPCError(code: ClientSessions.unavailableCode, message: "the mesh is off"))
        }
        switch outcome {
        case .success(let result):
            finish(id, status: result["isError"]?.boolValue == true ? "failed" : "done", result: result, error: nil)
        case .failure(let error):
            await runnerLost(id, error: error.message)
        }
    }

    /// The runner went away (or refused): after the lease, once more elsewhere.
    func runnerLost(_ id: String, error: String) async {
        guard var record = records[id] else { return }
        guard record.attempts < 2 else {
            finish(id, status: "failed", result: nil, error: error)
            return
        }
        record.status = "lease_wait"
        records[id] = record
        logger.warning("mesh task runner lost; retrying after the lease", metadata: ["task": "\(id)", "node": "\(record.node)", "error": "\(error)"])
        try? await Task.sleep(for: lease)
        let others = await agentsByNode().filter { $0.agents.contains(record.agent) && $0.node != record.node }
        guard let next = others.min(by: { $0.active < $1.active }), var current = records[id] else {
            finish(id, status: "failed", result: nil, error: error + "; no other node offers \(record.agent)")
            return
        }
        current.firstNode = current.node
        current.node = next.node
        current.attempts += 1
        current.status = "running"
        records[id] = current
        await execute(id)
    }

    func finish(_ id: String, status: String, result: JSONValue?, error: String?) {
        guard var record = records[id] else { return }
        record.status = status
        record.result = result
        record.error = error
        record.finished = Date()
        records[id] = record
    }

    /// Keeps at most `capacity` tasks, dropping the oldest finished ones.
    func trim() {
        guard order.count > Self.capacity else { return }
        var kept: [String] = []
        var excess = order.count - Self.capacity
        for id in order {
            if excess > 0, let record = records[id], record.finished != nil {
                records[id] = nil
                excess -= 1
            } else {
                kept.append(id)
            }
        }
        order = kept
    }
}
