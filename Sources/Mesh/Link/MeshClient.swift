import FoundationEssentials
public import Net
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Dials a mesh listener: TCP, mbedTLS (client mode, our node certificate when we have one),
/// then the WebSocket upgrade on `/mesh`. HummingbirdWSClient is not used because it only
/// speaks NIOSSL; this is the minimal client side of RFC 6455 the mesh needs.
public struct MeshClient: Sendable {
    /// Asked once per dial: a renewed node certificate is presented by the next link.
    public let contexts: TLSContextSource
    public var connectTimeout: Duration = .seconds(5)
    /// Largest message accepted from the server (larger ones close the link with 1009).
    public static let maxMessageBytes = 1 << 20

    public init(tls: MbedTLSContext) { contexts = TLSContextSource(fixed: tls) }

    public init(contexts: TLSContextSource) { self.contexts = contexts }

    enum UpgradeResult: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case notUpgraded
    }

    /// Connects to `address` (`host:port`); returns the open connection and the server's
    /// verified certificate.
    /// `oneShot` asks the listener not to treat this connection as the member's link (a CLI
    /// run or a renewal beside the running node's own link).
    public func connect(to address: PeerAddress, oneShot: Bool = false) async throws(MeshError) -> MeshClientConnection {
        let tls = contexts.current()
        let host = address.host, port = address.port
        do {
            let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(connectTimeout))
            let upgrade: EventLoopFuture<UpgradeResult> = try await bootstrap.connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(MbedTLSHandler(context: tls, serverName: host))
                    let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeResult>(
                        maxFrameSize: MeshClient.maxMessageBytes,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                .websocket(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
                            }
                        })
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: address.description)
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: oneShot ? "/mesh?oneshot=1" : "/mesh", headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<UpgradeResult>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeCompletedFuture { .notUpgraded } })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
            switch try await upgrade.get() {
            case .websocket(let channel):
                let peer = try await channel.channel.tlsPeerCertificate()
                return MeshClientConnection(channel: channel, peer: peer)
            case .notUpgraded:
                throw MeshError(.connect, "\(address): the server did not accept the WebSocket upgrade (not a mesh port?)")
            }
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.connect, "\(address): \(error)")
        }
    }
}

/// An open client WebSocket: `run` writes queued items and hands each inbound text message
/// to `onText` until either side closes.
public struct MeshClientConnection: Sendable {
    let channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    /// The server's verified certificate (nil only with verification off).
    public let peer: PeerCertificate?

    public func run(outbound: AsyncStream<WebSocketTransport.Item>, onText: @escaping @Sendable (String) async -> Void) async throws {
        try await channel.executeThenClose { inbound, writer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await item in outbound {
                        switch item {
                        case .text(let text):
                            try await writer.write(Self.frame(.text, ByteBuffer(string: text)))
                        case .close:
                            try await writer.write(Self.frame(.connectionClose, Self.closePayload(.normalClosure)))
                            return
                        }
                    }
                }
                try await Self.read(inbound, writer: writer, onText: onText)
                group.cancelAll()
            }
        }
    }

    /// Reassembles text messages (fragments up to the limit), answers pings and closes.
    static func read(_ inbound: NIOAsyncChannelInboundStream<WebSocketFrame>, writer: NIOAsyncChannelOutboundWriter<WebSocketFrame>,
                     onText: @Sendable (String) async -> Void) async throws {
        var partial: ByteBuffer?
        for try await frame in inbound {
            switch frame.opcode {
            case .text, .continuation:
                var data = frame.unmaskedData
                if frame.opcode == .text { partial = data } else if partial != nil { partial?.writeBuffer(&data) }
                guard let message = partial else { continue }
                if message.readableBytes > MeshClient.maxMessageBytes {
                    try await writer.write(Self.frame(.connectionClose, closePayload(.messageTooLarge)))
                    return
                }
                if frame.fin {
                    partial = nil
                    await onText(String(buffer: message))
                }
            case .ping:
                try await writer.write(Self.frame(.pong, frame.unmaskedData))
            case .connectionClose:
                try? await writer.write(Self.frame(.connectionClose, closePayload(.normalClosure)))
                return
            default:
                continue
            }
        }
    }

    static func frame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        // RFC 6455 §5.3: every client frame is masked with a fresh key.
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }

    static func closePayload(_ code: WebSocketErrorCode) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        return buffer
    }
}

extension MeshClientConnection {
    /// Closes without running (a link refused after the handshake).
    public func close() {
        channel.channel.close(promise: nil)
    }
}
