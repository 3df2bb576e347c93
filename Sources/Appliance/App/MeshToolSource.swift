import Core
import MCP
import Mesh
import Net

/// The mesh's tools as the MCP registry sees them. Client sessions' tools (here or on other
/// nodes) are `SESSION.tool`; another node's own tools appear as `NODE.tool` only when no
/// local tool has that name (a name clash never hides a local tool). A bare name no local
/// tool has resolves to the least loaded owner offering it: a session here first (no mesh
/// hop), else the remote owner with the fewest of our calls in flight. Client tools need
/// the `mesh` feature: they run code on someone's machine.
struct MeshToolSource: ToolSource {
    let sessions: ClientSessions
    /// nil on the owner's side of a forwarded call: it must run here or nowhere.
    let federation: ToolFederation?
    let localNames: Set<String>
    let nodeID: String
    /// How long a forwarded call may take before the caller gets an error.
    let deadline: Duration

    func tools() async -> [any Tool] {
        var result: [any Tool] = []
        var listed = Set<String>()
        for session in await sessions.all {
            for tool in session.tools where listed.insert(session.id + "." + tool.name).inserted {
                result.append(local(session: session.id, tool: tool, listedAs: session.id + "." + tool.name))
            }
        }
        guard let federation else { return result }
        for entry in await federation.tools {
            let name = listedName(entry)
            guard let name, listed.insert(name).inserted else { continue }
            result.append(remote([entry], listedAs: name))
        }
        return result
    }

    /// How `tools/list` names a remote tool; nil when a local tool already has that name.
    func listedName(_ entry: RemoteToolEntry) -> String? {
        if entry.session != nil { return entry.name }
        return localNames.contains(entry.name) ? nil : entry.owner + "." + entry.name
    }

    func tool(named name: String) async -> (any Tool)? {
        if let dot = name.lastIndex(of: ".") {
            let owner = String(name[..<dot]), bare = String(name[name.index(after: dot)...])
            if let session = await sessions.session(owner), let tool = session.tools.first(where: { $0.name == bare }) {
                return local(session: session.id, tool: tool, listedAs: name)
            }
            guard let federation else { return nil }
            let remote = await federation.tools.filter { entry in
                entry.session != nil ? entry.name == name : (entry.owner == owner && entry.name == bare && !localNames.contains(bare))
            }
            return remote.isEmpty ? nil : self.remote(remote, listedAs: name)
        }
        var best: (session: String, tool: ClientToolDefinition, load: Int)?
        for session in await sessions.all {
            guard let tool = session.tools.first(where: { $0.name == name }) else { continue }
            let load = await sessions.inFlight(session: session.id)
            if best == nil || load < best?.load ?? 0 { best = (session.id, tool, load) }
        }
        if let best { return local(session: best.session, tool: best.tool, listedAs: name) }
        guard let federation else { return nil }
        let remote = await federation.tools.filter { $0.bareName == name }
        return remote.isEmpty ? nil : self.remote(remote, listedAs: name)
    }

    /// A session on this node: called directly, never through the mesh.
    func local(session: String, tool: ClientToolDefinition, listedAs name: String) -> ForwardedTool {
        let sessions = sessions
        let description = tool.description.isEmpty ? "Offered by client session \(session) on \(nodeID)." : tool.description
        return ForwardedTool(name: name, description: description, inputSchema: tool.inputSchema, feature: .mesh) { arguments, _ in
            switch await sessions.call(session: session, tool: tool.name, arguments: .object(arguments)) {
            case .success(let result): return ToolResult(callToolResult: result)
            case .failure(let error): throw ToolError(.upstream, "\(name): \(error.message)")
            }
        }
    }

    /// A tool on other nodes: the call goes to the owner with the fewest of our calls in flight.
    func remote(_ owners: [RemoteToolEntry], listedAs name: String) -> ForwardedTool {
        let first = owners[0]
        let federation = federation
        let deadline = deadline
        let description = first.description.isEmpty ? "Offered by \(first.session.map { "client session \($0) on " } ?? "")\(first.owner)." : first.description
        return ForwardedTool(name: name, description: description, inputSchema: first.inputSchema,
                             feature: Feature(rawValue: first.feature)) { arguments, context in
            guard let federation else { throw ToolError(.notFound, "\(name) is not on this node") }
            var chosen = first
            var lowest = Int.max
            for owner in owners {
                let load = await federation.load(owner.owner)
                if load < lowest { (chosen, lowest) = (owner, load) }
            }
            switch await federation.call(chosen, arguments: .object(arguments), principal: context.principal, deadline: deadline) {
            case .success(let result): return ToolResult(callToolResult: result)
            case .failure(let error): throw ToolError(.upstream, error.message)
            }
        }
    }
}
