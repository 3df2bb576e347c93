import Core
import MCP
import Auth
import Net
import Storage
import FoundationEssentials
import Mesh
import Telemetry

extension ApplianceApp {
    /// The MCP endpoint with the node's tools. Chat tools wait for the gateway (the lead
    /// wires a `ChatBackend`); until then they are absent rather than fake.
    func makeMCPController(fetcher: any HTTPFetching, chat: (any ChatBackend)? = nil,
                           checks: [HealthCheck]) throws -> MCPController {
        let configuration = node.configuration
        let origin = ReplicaOrigin(nodeID: node.identity.nodeID, clock: node.clock)
        let workspace = try Workspace(root: configuration.string(.workspaceDir) ?? configuration.dataDirectory + "/workspace")
        let sessions = SessionStore()
        let node = self.node
        let meshService = mesh?.service
        let meshStats: @Sendable () async -> JSONValue = {
            guard let meshService else {
                return ["nodes": 1, "online": 1, "peers": 0, "members": [], "self": .string(node.identity.nodeID),
                        "mesh": "off: no mesh certificates (run `triforce ca init` or `triforce join`)"]
            }
            return await meshService.stats()
        }
        let configSource = configSync?.source
        let rollout = self.rollout
        let status: @Sendable () async -> JSONValue = {
            let config = (try? await ConfigSyncReport.make(source: configSource, database: node.database, mesh: meshService,
                                                           rollout: rollout, records: RolloutRecords(dataDirectory: node.configuration.dataDirectory))) ?? "unreadable"
            return ["node_id": .string(node.identity.nodeID), "version": .string(TriForceVersion.current),
                    "uptime_seconds": .double((node.uptimeSeconds * 1000).rounded() / 1000),
                    "mcp_sessions": .int(Int64(await sessions.count)), "status": "ok", "mesh": await meshStats(),
                    "config": config]
        }
        let health: @Sendable () async -> JSONValue = {
            var results: [String: JSONValue] = [:]
            for check in checks {
                let result = await check.run()
                results[check.name] = ["status": .string(result.status.rawValue), "detail": .string(result.detail)]
            }
            let healthy = results.values.allSatisfy { $0["status"] != "fail" }
            return ["status": .string(healthy ? "ok" : "fail"), "checks": .object(results)]
        }
        var tools: [any Tool] = []
        if let chat { tools += ChatTools.all(backend: chat) }
        tools += MemoryTools.all(store: MemoryStore(database: node.database, origin: origin))
        tools += CodeTools.all(workspace: workspace)
        tools += WebTools.all(fetcher: fetcher, searxngURL: configuration.string(.searxngURL),
                              guard: SSRFGuard(allowlist: SSRFGuard.parseList(configuration.string(.ssrfAllowlist))))
        tools += [MCPTools.shell(workspace: workspace)]
        let agentStore = AgentStore(database: node.database, origin: origin)
        let agentQueue = AgentQueue(limit: (try? configuration.int(.agentConcurrency, in: 1...64)) ?? 2)
        tools += AgentTools.all(store: agentStore, queue: agentQueue, workspace: workspace)
        tools += StatusTools.all(status: status, health: health, logRing: node.logRing)
        tools += OllamaTools.all(fetcher: fetcher, baseURL: configuration.string(.ollamaBaseURL) ?? "http://127.0.0.1:11434",
                                 policy: node.auth.policy)
        let owner = meshTools.owner
        let localAgents: @Sendable () async -> (names: [String], active: Int) = {
            ((try? await agentStore.list().map(\.name)) ?? [], await agentQueue.active)
        }
        let board = MeshTaskBoard(
            nodeID: node.identity.nodeID, service: meshService, federation: meshTools.federation,
            lease: .seconds(Double(configuration.string(.meshTaskLeaseSeconds).flatMap(Int.init).map { min(max($0, 1), 3600) } ?? 10)),
            logger: node.logger, localAgents: localAgents,
            runLocal: { arguments, principal in
                guard let registry = owner.current else { return .failure(.internalError("starting")) }
                do throws(JSONRPCError) {
                    return .success(try await registry.call(name: "agent_call", arguments: arguments, context: ToolContext(principal: principal)).json)
                } catch {
                    return .failure(error)
                }
            })
        if let meshService {
            Task {
                await meshService.serve("mesh/agents") { _, caller in
                    guard caller.isMember else { return .failure(JSONRPCError(code: -32000, message: "mesh/agents is for members")) }
                    let local = await localAgents()
                    return .success(["agents": .array(local.names.map { .string($0) }), "active": .int(Int64(local.active))])
                }
            }
        }
        tools += MeshMCPTools.all(nodeID: node.identity.nodeID, service: meshService, board: board, localToolCount: tools.count + 3)
        let audit = AuditStore(database: node.database)
        let registry = ToolRegistry(tools: tools, policy: node.auth.policy, audit: audit,
                                    sources: [meshTools.source(localTools: tools, policy: node.auth.policy, audit: audit,
                                                               nodeID: node.identity.nodeID)],
                                    metrics: metrics.tools)
        let server = MCPServer(
            info: .init(version: TriForceVersion.current,
                        instructions: "TriForce node \(node.identity.nodeID): memory, workspace code/file tools, web search and crawl, CLI agents, node status."),
            registry: registry, sessions: sessions, status: status,
            meshStats: meshStats)
        let loopbackBind = OriginPolicy.isLoopbackHost(configuration.host)
        return MCPController(
            server: server,
            origins: OriginPolicy(allowedOrigins: OriginPolicy.parseList(configuration.string(.mcpAllowedOrigins)), loopbackOnly: loopbackBind),
            // AuthMiddleware always sets a principal; this covers a route reached without it.
            anonymousPrincipal: { address in Principal.guest(address: address) })
    }
}
