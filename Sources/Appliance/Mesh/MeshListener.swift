import FoundationEssentials
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import Net
import NIOCore
import Storage
import Synchronization

/// The mesh port: TLS only, a client certificate from the mesh CA required and checked
/// against the revocation list on every handshake, then a WebSocket at `/mesh` speaking
/// JSON-RPC 2.0 (`ping`, `mesh/stats`). Anything else on the port gets a 404.
struct MeshListener {
    let node: Node
    let files: MeshFiles
    let revocations: RevocationList
    /// Open WebSocket sessions, for `mesh/stats`.
    let connections = Connections()

    final class Connections: Sendable {
        private let count = Atomic<Int>(0)
        func opened() { count.add(1, ordering: .relaxed) }
        func closed() { count.subtract(1, ordering: .relaxed) }
        var current: Int { count.load(ordering: .relaxed) }
    }

    func tlsConfiguration() -> TLSConfiguration {
        let revocations = revocations
        return .server(certificateChain: .file(files.nodeCertificate), privateKey: .file(files.nodeKey),
                       clientCA: .file(files.caCertificate), isRevoked: { revocations.contains($0.serialHex) })
    }

    func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let configuration = node.configuration
        let logger = node.logger
        let session = self
        let idle = TimeAmount.seconds(Int64(try configuration.idleTimeoutSeconds()))
        let router = Router(context: BasicRequestContext.self)
        let server: HTTPServerBuilder = try .mbedTLS(configuration: tlsConfiguration()) { responder in
            HTTP1WebSocketUpgradeChannel(
                responder: responder,
                configuration: .init(http1: .init(idleTimeout: idle), ws: .init(maxFrameSize: 1 << 20)),
                shouldUpgrade: { head, channel, _ in
                    guard head.path == "/mesh" else { return .dontUpgrade }
                    return .upgrade([:]) { inbound, outbound, _ in
                        try await session.serve(inbound: inbound, outbound: outbound, channel: channel)
                    }
                })
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: try configuration.meshPort()), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("mesh listening", metadata: ["url": "wss://\(configuration.host):\(port)/mesh", "port": "\(port)"])
                await onRunning(port)
            },
            logger: logger)
    }

    /// One WebSocket session: who the peer is (verified in the handshake), then requests.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel) async throws {
        let peer = try? await channel.tlsPeerCertificate()
        let caller: JSONValue = [
            "node_id": peer?.nodeID.map(JSONValue.string) ?? .null,
            "common_name": peer?.commonName.map(JSONValue.string) ?? .null,
            "serial": peer.map { .string($0.serialHex) } ?? .null,
        ]
        node.logger.notice("mesh connection", metadata: [
            "peer_node_id": "\(peer?.nodeID ?? "-")", "peer_cn": "\(peer?.commonName ?? "-")",
            "peer_serial": "\(peer?.serialHex ?? "-")", "remote": "\(channel.remoteAddress?.description ?? "-")",
        ])
        connections.opened()
        defer { connections.closed() }
        let rpc = MeshRPC(stats: { await stats(caller: caller) }, nodeID: node.identity.nodeID)
        for try await message in inbound.messages(maxSize: 1 << 20) {
            let reply: String?
            switch message {
            case .text(let text): reply = await rpc.reply(to: text)
            case .binary: reply = MeshRPC.error(id: .null, code: -32600, message: "JSON-RPC goes in text frames").jsonText
            }
            if let reply { try await outbound.write(.text(reply)) }
        }
    }

    func stats(caller: JSONValue) async -> JSONValue {
        let peers = (try? await node.database.read { connection in
            try connection.scalar("SELECT count(*) FROM peers WHERE deleted = 0")?.int64
        }) ?? nil
        return [
            "node_id": .string(node.identity.nodeID),
            "peers": peers.map(JSONValue.int) ?? .null,
            "uptime_seconds": .double(node.uptimeSeconds),
            "connections": .int(Int64(connections.current)),
            "revoked_serials": .int(Int64(revocations.count)),
            "caller": caller,
        ]
    }
}
