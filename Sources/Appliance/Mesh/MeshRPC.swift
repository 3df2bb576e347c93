import FoundationEssentials
import Net

/// JSON-RPC 2.0 over the mesh WebSocket: one text frame in, at most one text frame out.
/// Pure apart from the `stats` closure, so it is tested without a socket.
struct MeshRPC: Sendable {
    /// What `mesh/stats` reports, gathered when asked.
    let stats: @Sendable () async -> JSONValue
    let nodeID: String

    /// The reply to one frame; nil for a notification (a request without an id).
    func reply(to text: String) async -> String? {
        guard let request = JSONValue.parse(text), case .object(let fields) = request else {
            return MeshRPC.error(id: .null, code: -32700, message: "parse error").jsonText
        }
        let id = fields["id"] ?? .null
        guard fields["jsonrpc"]?.stringValue == "2.0", let method = fields["method"]?.stringValue else {
            return MeshRPC.error(id: id, code: -32600, message: "invalid request").jsonText
        }
        let result: JSONValue
        switch method {
        case "ping":
            result = ["pong": true, "node_id": .string(nodeID), "time": .double(Date().timeIntervalSince1970)]
        case "mesh/stats":
            result = await stats()
        default:
            return fields["id"] == nil ? nil : MeshRPC.error(id: id, code: -32601, message: "method not found: \(method)").jsonText
        }
        guard fields["id"] != nil else { return nil }
        return JSONValue.object(["jsonrpc": "2.0", "id": id, "result": result]).jsonText
    }

    static func error(id: JSONValue, code: Int64, message: String) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": ["code": .int(code), "message": .string(message)]]
    }
}
