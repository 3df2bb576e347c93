import Core
import MCP
import Mesh
import Net

/// The mesh's tools as the MCP registry sees them: every client session's tools as
/// `SESSION.tool`. A bare name no local tool has resolves to a session offering it, the
/// one with the fewest calls in flight. Client tools need the `mesh` feature: they run
/// code on someone's machine.
struct MeshToolSource: ToolSource {
    let sessions: ClientSessions

    func tools() async -> [any Tool] {
        var result: [any Tool] = []
        for session in await sessions.all {
            for tool in session.tools { result.append(forwarded(session: session.id, tool: tool, listedAs: session.id + "." + tool.name)) }
        }
        return result
    }

    func tool(named name: String) async -> (any Tool)? {
        if let dot = name.lastIndex(of: ".") {
            let owner = String(name[..<dot]), bare = String(name[name.index(after: dot)...])
            guard let session = await sessions.session(owner), let tool = session.tools.first(where: { $0.name == bare }) else { return nil }
            return forwarded(session: session.id, tool: tool, listedAs: name)
        }
        var best: (session: String, tool: ClientToolDefinition, load: Int)?
        for session in await sessions.all {
            guard let tool = session.tools.first(where: { $0.name == name }) else { continue }
            let load = await sessions.inFlight(session: session.id)
            if best == nil || load < best?.load ?? 0 { best = (session.id, tool, load) }
        }
        return best.map { forwarded(session: $0.session, tool: $0.tool, listedAs: name) }
    }

    func forwarded(session: String, tool: ClientToolDefinition, listedAs name: String) -> ForwardedTool {
        let sessions = sessions
        let description = tool.description.isEmpty ? "Offered by client session \(session)." : tool.description
        return ForwardedTool(name: name, description: description, inputSchema: tool.inputSchema, feature: .mesh) { arguments, _ in
            switch await sessions.call(session: session, tool: tool.name, arguments: .object(arguments)) {
            case .success(let result): return ToolResult(callToolResult: result)
            case .failure(let error): throw ToolError(.upstream, "\(name): \(error.message)")
            }
        }
    }
}
