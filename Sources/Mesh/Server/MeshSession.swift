import FoundationEssentials
import Net

/// One connection's inbound side: each text frame is a JSON-RPC message. Requests are
/// answered on the same link; SWIM notifications from a member go to the service;
/// responses and unknown notifications are ignored. Errors use the JSON-RPC codes: -32700
/// unparsable, -32600 invalid, -32601 unknown method (with the request's id).
struct MeshSession: Sendable {
    let service: MeshService
    let caller: MeshCaller
    let transport: any MeshTransport
    /// The caller's verified certificate, for `mesh/stats` (nil without one).
    var peer: PeerCertificate? = nil
    /// False on a one-shot connection: requests only, no membership traffic.
    var takesMembership = true
    /// A CA-certified client's session socket: `node/register`, `tools/list`, `tools/call`
    /// and the client's responses (to our `tools/call`) go there.
    var clients: ClientSocket? = nil

    /// Methods served without a client certificate.
    static let anonymousMethods: Set<String> = ["join/request"]

    /// Handles one frame. Returns false when the connection should close (an anonymous
    /// caller after its reply).
    @discardableResult
    func received(_ text: String) async -> Bool {
        guard let value = JSONValue.parse(text) else {
            transport.send(JSONRPC.error(id: .null, .parseError("parse error: the frame is not valid JSON")).jsonText)
            return caller != .anonymous
        }
        if value.arrayValue != nil {
            transport.send(JSONRPC.error(id: .null, .invalidRequest("batches are not served on the mesh port")).jsonText)
            return caller != .anonymous
        }
        let message = JSONRPCMessage.decode(value)
        if let clients {
            let routed: Bool
            switch message {
            case .success(.response): routed = true
            case .success(.request(_, let method, _)): routed = ClientGateway.methods.contains(method)
            default: routed = false
            }
            if routed {
                await clients.received(text)
                return true
            }
        }
        switch message {
        case .failure(let invalid):
            transport.send(JSONRPC.error(id: invalid.id, invalid.error).jsonText)
            return caller != .anonymous
        case .success(.notification(let method, let params)):
            guard case .member(let peer) = caller, takesMembership else { return true }
            if let message = SwimMessage.decode(method: method, params: params) {
                await service.receive(message, from: peer)
            } else if method == "mesh/revocations" {
                await service.receiveRevocations(params, from: peer)
            } else if method == MeshService.unlinkMethod {
                await service.peerRetiring(peer)
            } else if let handler = await service.notificationHandler(method) {
                await handler(params ?? [:], peer)
            }
            return true
        case .success(.response(let id, let result, let error)):
            if case .member(let peer) = caller {
                await service.receiveResponse(id: id, result: result, error: error, from: peer)
            }
            return true
        case .success(.request(let id, let method, let params)):
            if caller == .anonymous, !Self.anonymousMethods.contains(method) {
                let error = JSONRPCError(code: -32000, message: "this connection has no client certificate: only join/request is served")
                transport.send(JSONRPC.error(id: id, error).jsonText)
                return false
            }
            if caller != .anonymous, await answerInBackground(id: id, method: method, params: params) {
                return true
            }
            send(id: id, await answer(method: method, params: params))
            return caller != .anonymous
        }
    }

    func send(id: JSONValue, _ reply: Result<JSONValue, JSONRPCError>) {
        switch reply {
        case .success(let result): transport.send(JSONRPC.result(id: id, result).jsonText)
        case .failure(let error): transport.send(JSONRPC.error(id: id, error).jsonText)
        }
    }

    /// Methods other modules serve (`MeshService.serve`) run in their own task so the link
    /// keeps reading; false when no handler is registered for `method`.
    func answerInBackground(id: JSONValue, method: String, params: JSONValue?) async -> Bool {
        let key: String
        switch caller {
        case .member(let peer): key = peer
        case .client(let name): key = "client:" + (name ?? "")
        case .anonymous: return false
        }
        let (handler, busy) = await service.admitRequest(method, from: key)
        if busy {
            send(id: id, .failure(JSONRPCError(code: -32000, message: "too many requests in flight from this peer; retry later")))
            return true
        }
        guard let handler else { return false }
        let session = self
        Task {
            session.send(id: id, await handler(params ?? [:], session.caller))
            await session.service.requestFinished(from: key)
        }
        return true
    }

    func answer(method: String, params: JSONValue?) async -> Result<JSONValue, JSONRPCError> {
        switch method {
        case "ping":
            return .success(["pong": true, "node_id": .string(service.configuration.nodeID), "time": .double(Date().timeIntervalSince1970)])
        case "mesh/stats":
            return .success(await service.stats(caller: caller, certificate: peer))
        case "mesh/nodes":
            return .success(await service.snapshot().json)
        case "join/request", "join/renew":
            guard let handler = await service.joinHandler else {
                return .failure(JSONRPCError(code: MeshError(.joinRefused, "").rpcCode,
                                             message: "this node does not hold the mesh CA key; join through the node that ran `triforce ca init`"))
            }
            if method == "join/renew", !caller.isMember {
                return .failure(JSONRPCError(code: -32000, message: "join/renew needs a member certificate"))
            }
            do {
                return .success(try await handler(method, params ?? [:], caller))
            } catch {
                return .failure(JSONRPCError(code: error.rpcCode, message: error.message))
            }
        default:
            return .failure(.methodNotFound(method))
        }
    }
}
