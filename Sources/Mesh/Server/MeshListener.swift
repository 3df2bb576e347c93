public import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
public import Logging
public import Net
import NIOCore
import NIOWebSocket

/// The mesh port: TLS with the node certificate (chain includes the CA, so a joining node
/// can find the pinned key), client certificates from the mesh CA checked against the
/// revocation list on every handshake, then a WebSocket on `/` or `/mesh` speaking JSON-RPC.
/// A client without a certificate may only ask `join/request`; its connection closes after
/// the reply or `anonymousLimit`. Anything else on the port gets a 404.
public struct MeshListener: Sendable {
    let service: MeshService
    let revocations: RevocationList
    public static let maxMessageBytes = 1 << 20
    public static let anonymousLimit: Duration = .seconds(10)

    public init(service: MeshService, revocations: RevocationList) {
        self.service = service
        self.revocations = revocations
    }

    func tlsConfiguration() throws(MeshError) -> TLSConfiguration {
        let revocations = revocations
        let files = service.configuration.files
        return .server(certificateChain: .pem(try service.configuration.serverChainPEM()), privateKey: .file(files.nodeKey),
                       clientCA: .file(files.caCertificate), clientCertificateOptional: true,
                       isRevoked: { revocations.contains($0.serialHex) })
    }

    public func makeApplication(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let configuration = service.configuration
        let listener = self
        let router = Router(context: BasicRequestContext.self)
        // Rebuilt when node.crt, node.key or ca.crt change (renewal): new links get the new
        // certificate, open ones keep their session.
        let files = configuration.files
        let contexts: TLSContextSource
        do {
            contexts = try TLSContextSource(watching: [files.nodeCertificate, files.nodeKey, files.caCertificate]) { () throws(TLSError) in
                let tls: TLSConfiguration
                do { tls = try listener.tlsConfiguration() } catch { throw TLSError(.loadCertificate, reason: "\(error)") }
                return try MbedTLSContext(configuration: tls)
            }
        } catch {
            throw MeshError(.configuration, "cannot load the mesh certificates in \(files.dataDirectory): \(error)")
        }
        let server: HTTPServerBuilder = .mbedTLS(contexts: contexts) { responder in
            HTTP1WebSocketUpgradeChannel(
                responder: responder,
                configuration: .init(http1: .init(idleTimeout: TimeAmount(configuration.idleTimeout)),
                                     ws: .init(maxFrameSize: MeshListener.maxMessageBytes, closeTimeout: .seconds(2))),
                shouldUpgrade: { head, channel, _ in
                    let path = head.path?.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
                    guard path == "/mesh" || path == "/" else { return .dontUpgrade }
                    let oneShot = head.path?.hasSuffix("?oneshot=1") == true
                    return .upgrade([:]) { inbound, outbound, _ in
                        try await listener.serve(inbound: inbound, outbound: outbound, channel: channel, oneShot: oneShot)
                    }
                })
        }
        let service = service
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("mesh listening", metadata: ["url": "wss://\(configuration.listenHost):\(port)/mesh", "port": "\(port)"])
                await service.listening(on: port)
                await onRunning(port)
            },
            logger: logger)
    }

    /// One WebSocket connection, by who the handshake says the caller is.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, oneShot: Bool) async throws {
        let peer = try? await channel.tlsPeerCertificate()
        let caller: MeshCaller
        if let peer {
            if let id = peer.nodeID, id != service.configuration.nodeID, Membership.isValidNodeID(id) {
                caller = .member(id)
            } else {
                caller = .client(peer.nodeID ?? peer.commonName)
            }
        } else {
            caller = .anonymous
        }
        let transport = WebSocketTransport(peerID: {
            if case .member(let id) = caller { return id }
            return "-"
        }())
        var token: Int?
        if case .member(let id) = caller, !oneShot {
            token = await service.linkOpened(transport, outbound: false, serial: peer?.serialHex)
            guard token != nil else {
                try? await outbound.close(.normalClosure, reason: "duplicate or refused link")
                return
            }
            _ = id
        }
        await service.linkRunStarted()
        service.logger.notice("mesh connection", metadata: [
            "peer_node_id": "\(peer?.nodeID ?? "-")", "peer_cn": "\(peer?.commonName ?? "-")",
            "peer_serial": "\(peer?.serialHex ?? "-")", "remote": "\(channel.remoteAddress?.description ?? "-")",
        ])
        var session = MeshSession(service: service, caller: caller, transport: transport, peer: peer, takesMembership: !oneShot)
        if case .client(let name) = caller, !oneShot, let gateway = service.clientGateway {
            session.clients = await ClientSocket(sessions: gateway.sessions, environment: gateway.environment,
                                                 credentials: gateway.principal(name), transport: transport)
        }
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
            if caller == .anonymous {
                group.addTask {
                    try await Task.sleep(for: MeshListener.anonymousLimit)
                    transport.close()
                }
            }
            for try await message in inbound.messages(maxSize: MeshListener.maxMessageBytes) {
                switch message {
                case .text(let text):
                    if await !session.received(text) {
                        transport.close()
                    }
                case .binary:
                    transport.send(JSONRPC.error(id: .null, .invalidRequest("JSON-RPC goes in text frames")).jsonText)
                }
            }
            transport.close()
            group.cancelAll()
        }
        if case .member(let id) = caller, let token {
            await service.linkClosed(id, token: token)
        }
        await session.clients?.closed()
        await service.linkRunEnded()
    }
}
