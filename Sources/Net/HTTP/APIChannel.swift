public import HTTPTypes
public import HummingbirdCore
public import HummingbirdWebSocket
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
// `WebSocketHandler` (frames, pings, close handshake) is what Hummingbird's own upgrade
// channel runs; it is public to Hummingbird's packages only as SPI.
@_spi(WSInternal) import WSCore

/// The API port's connection: HTTP/1.1 whose first request may upgrade to a WebSocket, behind
/// the connection limit, in TLS when configured, with the first-head timeout.
///
/// Why one type rather than Hummingbird's `HTTP1WebSocketUpgradeChannel` inside the limit,
/// timeout and TLS wrapper channels: a streamed answer is written from the bottom of the
/// connection task's call chain, and a task keeps every allocator slab its chain reached
/// (`RequestTaskResponder`). Each wrapper's `handle` frame and the upgrade channel's own
/// (~2 KB, it holds every branch's locals) were held per open stream: heaptrack counted
/// 5.7 KB of the 44 KB an open stream held (bench/heap.sh).
public struct APIChannel: ServerChildChannel, HTTPChannelHandler {
    /// What a WebSocket handler is given besides its frames.
    public struct WebSocketContext: WSCore.WebSocketContext {
        public let logger: Logger
    }

    /// Decides, from the request head alone, whether a connection's first request becomes a
    /// WebSocket (and what serves it). Requests it declines are plain HTTP.
    public typealias WebSocketUpgrade = @Sendable (HTTPRequest, any Channel, Logger) throws
        -> ShouldUpgradeResult<WebSocketDataHandler<WebSocketContext>>

    public struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        public let channel: any Channel
    }

    /// What the first request head made of the connection.
    enum Negotiated: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, WebSocketDataHandler<WebSocketContext>)
        /// `upgrade` accepted the head but the upgrade failed (a bad key or version): 400, closed.
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    public let responder: HTTPChannelHandler.Responder
    let http1: HTTP1Channel.Configuration
    let webSocket: WebSocketServerConfiguration
    let upgrade: WebSocketUpgrade
    let limiter: ConnectionLimiter
    let tls: TLSContextSource?
    /// Until the first head is in, `FirstHeadTimeoutHandler` closes an idle connection:
    /// Hummingbird's idle timeout is added only once the head decided "no upgrade".
    let headTimeout: TimeAmount

    public init(responder: @escaping HTTPChannelHandler.Responder, http1: HTTP1Channel.Configuration,
                webSocket: WebSocketServerConfiguration, limiter: ConnectionLimiter, tls: TLSContextSource?,
                upgrade: @escaping WebSocketUpgrade) {
        self.responder = responder
        self.http1 = http1
        self.webSocket = webSocket
        self.upgrade = upgrade
        self.limiter = limiter
        self.tls = tls
        self.headTimeout = http1.idleTimeout ?? .seconds(30)
    }

    /// NIO keeps a connection's receive buffers for its next reads, up to one per read of a
    /// wake-up, for as long as the connection lives; a read whose last buffer is still
    /// referenced (the request's bytes on their way up) allocates another, and a read that
    /// fills its buffer makes the next one larger. A 16 KB request left four (2 + 4 + 8 +
    /// 16 KB) on every open stream and idle keep-alive connection (bench/heap.sh with
    /// PROMPT_BYTES). One read per wake-up keeps one buffer of 1 KB (a request head and a
    /// short body), growing to 4 KB at most: a large body takes more reads, each still a
    /// system call's worth of bytes. Never below 1 KB: with a 256-byte floor a chat
    /// completion cost 25,000 more instructions and one more Swift job (bench/instructions.sh),
    /// most likely a buffer shrunk by small reads splitting a request over two wake-ups.
    static let readsPerWakeup: UInt = 1
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 1024, maximum: 4096)

    /// A connection over the limit still gets its whole pipeline (Hummingbird must run its
    /// `handle` to tear the async channel down), with `RefuseConnectionHandler` first, which
    /// closes it once active before a byte is read or a handshake costs anything.
    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admitted = limiter.admit(channel, logger: logger)
        return channel.eventLoop.makeCompletedFuture {
            if let options = channel.syncOptions {
                try options.setOption(ChannelOptions.maxMessagesPerRead, value: Self.readsPerWakeup)
                try options.setOption(ChannelOptions.recvAllocator, value: Self.receiveBuffers)
            }
            let pipeline = channel.pipeline.syncOperations
            if !admitted { try pipeline.addHandler(RefuseConnectionHandler()) }
            if let tls { try pipeline.addHandler(MbedTLSHandler(context: tls.current())) }
            try pipeline.addHandler(FirstHeadTimeoutHandler(timeout: headTimeout))
            let negotiated = try pipeline.configureUpgradableHTTPServerPipeline(
                configuration: pipelineConfiguration(channel: channel, logger: logger))
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    /// Holds nothing but the HTTP channel while requests run: this frame stays allocated for
    /// as long as a streamed answer is open, so the wait for the first head and the other
    /// outcomes live in a function of their own, whose frame is free again by then.
    public func handle(value: Value, logger: Logger) async {
        guard let http = await negotiate(value, logger: logger) else { return }
        await handleHTTP(asyncChannel: http, logger: logger)
    }

    /// The connection's HTTP channel, or nil once its other outcome has run.
    @inline(never)
    private func negotiate(_ value: Value, logger: Logger) async -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>? {
        let negotiated: Negotiated
        do {
            negotiated = try await value.negotiated.get()
        } catch {
            // The peer closed before a whole head, or the head was not HTTP.
            logger.trace("connection ended before its first request", metadata: ["error": "\(error)"])
            return nil
        }
        switch negotiated {
        case .http(let http): return http
        case .webSocket(let socket, let handler): await serveWebSocket(socket, handler: handler, logger: logger)
        case .failedUpgrade(let http): await Self.refuseUpgrade(http, logger: logger)
        }
        return nil
    }

    private func pipelineConfiguration(channel: any Channel, logger: Logger)
        -> NIOUpgradableHTTPServerPipelineConfiguration<Negotiated> {
        // The upgrader asks `shouldUpgrade` for headers, then `upgradePipelineHandler` for the
        // result; the handler chosen in between waits here (both run on the channel's loop).
        let chosen = NIOLoopBoundBox<WebSocketDataHandler<WebSocketContext>?>(nil, eventLoop: channel.eventLoop)
        let attempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
        let upgrade = self.upgrade
        let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
            maxFrameSize: webSocket.maxFrameSize,
            shouldUpgrade: { channel, head in
                attempted.value = true
                return channel.eventLoop.makeCompletedFuture {
                    let request = try HTTPRequest(head, secure: false, splitCookie: false)
                    guard case .upgrade(let headers, let handler) = try upgrade(request, channel, logger) else { return nil }
                    chosen.value = handler
                    return HTTPHeaders(headers)
                }
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard let handler = chosen.value else { throw ChannelError.inappropriateOperationForState }
                    let socket = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    return .webSocket(socket, handler)
                }
            })
        let http1 = self.http1
        let secure = tls != nil
        let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ExpectContinueHandler())
                    try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
                    try pipeline.addHandlers(http1.additionalChannelHandlers())
                    try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger))
                    let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    return attempted.value ? .failedUpgrade(http) : .http(http)
                }
            })
        var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrades)
        configuration.enablePipelining = false  // NIOAsyncChannel reads one request at a time
        configuration.enableErrorHandling = false  // Hummingbird answers parse errors
        configuration.enableResponseHeaderValidation = false  // HTTPTypes validated them
        configuration.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
        configuration.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
        configuration.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
        return configuration
    }

    @inline(never)
    private func serveWebSocket(_ socket: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>,
                                handler: @escaping WebSocketDataHandler<WebSocketContext>, logger: Logger) async {
        // No extensions: the API port offers none (nothing in `webSocket.extensions`).
        let configuration = WebSocketHandler.Configuration(
            extensions: [], autoPing: webSocket.autoPing, closeTimeout: webSocket.closeTimeout,
            validateUTF8: webSocket.validateUTF8, maxFrameSize: webSocket.maxFrameSize)
        do {
            _ = try await WebSocketHandler.handle(type: .server, configuration: configuration, asyncChannel: socket,
                                                  context: WebSocketContext(logger: logger), handler: handler)
        } catch {
            logger.debug("WebSocket ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// An upgrade `upgrade` wanted but NIO refused (bad key or version): 400, then close.
    @inline(never)
    private static func refuseUpgrade(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await http.executeThenClose { _, outbound in
                let head = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            }
        } catch {
            logger.trace("failed upgrade: the 400 was not written", metadata: ["error": "\(error)"])
        }
    }
}
