import Core
import Logging
import MCP
import Mesh
import Net
import Storage
import Synchronization

/// Tools across nodes for one node: its client sessions and, with the mesh on, the
/// federation. The federation publishes what the owner registry runs and executes forwarded
/// calls with it; that registry knows this node's tools and sessions only, so a forwarded
/// call runs here or fails, never hops on.
struct MeshToolWiring: Sendable {
    let sessions: ClientSessions
    let federation: ToolFederation?
    /// Filled when the MCP registry is built (the router is made after the services).
    let owner: OwnerRegistry

    /// The owner's registry, set once the MCP tools exist.
    final class OwnerRegistry: Sendable {
        let registry = Mutex<ToolRegistry?>(nil)
        var current: ToolRegistry? { registry.withLock { $0 } }
    }

    static func make(mesh: MeshService?, logger: Logger) async -> MeshToolWiring {
        let sessions = ClientSessions(logger: logger)
        let owner = OwnerRegistry()
        let federation = mesh.map { service in
            ToolFederation(service: service, logger: logger, limits: sessions.limits, catalog: {
                guard let registry = owner.current else { return [] }
                var entries = registry.tools.map { tool in
                    RemoteToolEntry.catalogEntry(name: tool.name, description: tool.description, inputSchema: tool.inputSchema,
                                                 feature: tool.feature.rawValue, session: nil)
                }
                for session in await sessions.all {
                    for tool in session.tools {
                        entries.append(RemoteToolEntry.catalogEntry(name: session.id + "." + tool.name, description: tool.description,
                                                                    inputSchema: tool.inputSchema, feature: Feature.mesh.rawValue,
                                                                    session: session.id))
                    }
                }
                return entries
            }, execute: { name, arguments, principal, origin in
                guard let registry = owner.current else {
                    return .failure(JSONRPCError(code: ClientSessions.unavailableCode, message: "this node is still starting"))
                }
                do throws(JSONRPCError) {
                    return .success(try await registry.call(name: name, arguments: arguments,
                                                            context: ToolContext(principal: principal, logger: logger, origin: origin)).json)
                } catch {
                    return .failure(error)
                }
            })
        }
        if let federation {
            await sessions.onChange { await federation.localChanged() }
        }
        return MeshToolWiring(sessions: sessions, federation: federation, owner: owner)
    }

    /// The MCP registry's source of mesh tools, and (as a side effect) the owner registry.
    func source(localTools: [any Tool], policy: any AccessPolicy, audit: AuditStore, nodeID: String) -> MeshToolSource {
        let names = Set(localTools.map(\.name))
        let ownerSource = MeshToolSource(sessions: sessions, federation: nil, localNames: names, nodeID: nodeID, deadline: Self.deadline)
        owner.registry.withLock { $0 = ToolRegistry(tools: localTools, policy: policy, audit: audit, sources: [ownerSource]) }
        return MeshToolSource(sessions: sessions, federation: federation, localNames: names, nodeID: nodeID, deadline: Self.deadline)
    }

    /// A forwarded tool call's deadline.
    static let deadline: Duration = .seconds(120)
}
