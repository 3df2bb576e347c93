import Core
import MCP
import Mesh
import Net

/// `mesh_status`, `mesh_agents`, `mesh_task`: the mesh as MCP tools.
enum MeshMCPTools {
    static func all(nodeID: String, service: MeshService?, board: MeshTaskBoard, localToolCount: Int) -> [any Tool] {
        [
            ClosureTool(name: "mesh_status", description: "Members of the mesh: state, RTT, version, tool count, usable providers.",
                        feature: .mesh, annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, _ in
                guard let service else {
                    return .structured(["self": .string(nodeID), "members": [["id": .string(nodeID), "state": "alive", "tools": .int(Int64(localToolCount))]],
                                        "mesh": "off: no mesh certificates"])
                }
                let view = await service.snapshot()
                let members: [JSONValue] = view.members.map { entry in
                    let member = entry.member
                    return ["id": .string(member.id), "state": .string(member.state.rawValue), "linked": .bool(entry.linked),
                            "rtt_ms": member.rttMilliseconds.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
                            "version": .string(member.metadata.version), "api": .string(member.metadata.apiAddress),
                            "tools": member.metadata.health["tools"]?["count"] ?? .null,
                            "providers_usable": member.metadata.health["providers"]?["usable"] ?? .null]
                }
                return .structured(["self": .string(view.selfID), "online": .int(Int64(view.online)), "members": .array(members)])
            },
            ClosureTool(name: "mesh_agents", description: "The CLI agents each node of the mesh can run.",
                        feature: .agents, annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, _ in
                let nodes = await board.agentsByNode()
                return .structured(["nodes": .array(nodes.map { node in
                    ["node": .string(node.node), "agents": .array(node.agents.map { .string($0) }), "active": .int(Int64(node.active))]
                })])
            },
            ClosureTool(name: "mesh_task",
                        description: "Submit a prompt to a CLI agent on a named node or the least loaded node offering it (returns a task id); with {\"id\": ...} returns the task's status and result. A task whose node dies is retried once elsewhere after its lease; the result says so.",
                        feature: .agents, annotations: ToolAnnotations(readOnly: false, openWorld: true),
                        schema: InputSchema.object([
                            "id": InputSchema.string("a task id to look up", minLength: 1, maxLength: 64),
                            "agent": InputSchema.string("agent name", minLength: 1, maxLength: 64),
                            "prompt": InputSchema.string("the prompt", minLength: 1, maxLength: 100_000),
                            "node": InputSchema.string("node id (default: the least loaded node offering the agent)", minLength: 1, maxLength: 128),
                        ])) { arguments, context in
                if let id = arguments["id"]?.stringValue {
                    guard let status = await board.status(id) else { throw ToolError(.notFound, "no task \(id) on this node") }
                    return .structured(status)
                }
                guard let agent = arguments["agent"]?.stringValue, let prompt = arguments["prompt"]?.stringValue else {
                    throw ToolError(.invalidArgument, "pass agent and prompt to submit a task, or id to look one up")
                }
                return .structured(try await board.submit(agent: agent, prompt: prompt, node: arguments["node"]?.stringValue,
                                                          principal: context.principal))
            },
        ]
    }
}
