public import Core
public import HummingbirdWebSocket
import NIOWebSocket
import Net

extension ClientSocket {
    /// Largest frame a client may send (and we accept), as on the mesh port.
    public static let maxMessageBytes = 1 << 20

    /// Serves one upgraded WebSocket until either side closes: frames in go to `received`,
    /// the transport's queue goes out. The session is gone (and its waiting calls failed)
    /// before this returns.
    public static func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, sessions: ClientSessions,
                             environment: Environment, credentials: Principal) async {
        let transport = WebSocketTransport(peerID: "client:" + credentials.subject)
        let socket = await ClientSocket(sessions: sessions, environment: environment, credentials: credentials, transport: transport)
        try? await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await item in transport.items {
                    switch item {
                    case .text(let text): try await outbound.write(.text(text))
                    case .close:
                        try await outbound.close(.normalClosure, reason: nil)
                        return
                    }
                }
            }
            for try await message in inbound.messages(maxSize: maxMessageBytes) {
                switch message {
                case .text(let text): await socket.received(text)
                case .binary: transport.send(JSONRPC.error(id: .null, .invalidRequest("JSON-RPC goes in text frames")).jsonText)
                }
            }
            await socket.closed()
            transport.close()
            group.cancelAll()
        }
        await socket.closed()
    }

    /// Refuses a connection whose credentials do not allow the mesh: one JSON-RPC error
    /// frame saying why, then a policy-violation close.
    public static func refuse(outbound: WebSocketOutboundWriter, status: Int, message: String) async {
        let error = JSONRPCError(code: -32001, message: message, data: ["status": .int(Int64(status))])
        try? await outbound.write(.text(JSONRPC.error(id: .null, error).jsonText))
        try? await outbound.close(.policyViolation, reason: status == 401 ? "unauthorized" : "forbidden")
    }
}
