public import NIOCore

/// The TLS layer of a NIO pipeline, over mbedTLS: ciphertext below, plaintext ByteBuffers
/// above. Put it first in the pipeline. Works as server or client (the context's role).
///
/// Flow: the handshake starts on channelActive (or handlerAdded on an active channel) and
/// advances on every channelRead; its output is flushed at once. Writes before the handshake
/// completes are held, then encrypted in order. Inbound ciphertext is decrypted record by
/// record and each plaintext chunk fired at once; the handler never reads on its own after the
/// handshake except to complete a partial record the downstream already asked for, so read
/// backpressure (autoRead off / NIOAsyncChannel) passes straight through. Close sends
/// close_notify. Failures fire a `TLSError` (with mbedTLS's reason) and close the channel.
public final class MbedTLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    enum State { case idle, handshaking, active, closed }

    let tlsContext: MbedTLSContext
    let serverName: String?
    var connection: MbedTLSConnection?
    var state = State.idle
    var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    var pendingFlush = false
    var deliveredPlaintext = false
    var handshakeTimer: Scheduled<Void>?

    /// The verified peer certificate once the handshake completed (nil before, or when the
    /// peer presented none). Read it on the event loop, or via `Channel.tlsPeerCertificate()`.
    public internal(set) var peerCertificate: PeerCertificate?

    /// - Parameter serverName: client role only; overrides the configuration's `serverName`.
    public init(context: MbedTLSContext, serverName: String? = nil) {
        tlsContext = context
        self.serverName = serverName ?? context.configuration.serverName
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        do {
            connection = try MbedTLSConnection(context: tlsContext, allocator: context.channel.allocator,
                                               serverName: tlsContext.configuration.role == .client ? serverName : nil)
        } catch {
            fail(context: context, error)
            return
        }
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        connection = nil
        discardPendingWrites(ChannelError.ioOnClosedChannel)
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        startHandshake(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let previous = state
        state = .closed
        handshakeTimer?.cancel()
        handshakeTimer = nil
        discardPendingWrites(ChannelError.ioOnClosedChannel)
        switch previous {
        case .handshaking:
            context.fireErrorCaught(TLSError(.handshake, reason: "connection closed during the TLS handshake"))
        case .active:
            // A ragged EOF: no close_notify. Tell the pipeline; truncation may matter to it.
            context.fireErrorCaught(TLSError(.unexpectedEOF, reason: "connection closed without TLS close_notify"))
        case .idle, .closed:
            break
        }
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection, state != .closed else { return }
        connection.bio.receiveFromNetwork(unwrapInboundIn(data))
        switch state {
        case .idle, .handshaking: handshakeStep(context: context)
        case .active: decode(context: context)
        case .closed: break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if deliveredPlaintext {
            deliveredPlaintext = false
            context.fireChannelReadComplete()
        } else if state == .handshaking || (state == .active && !autoRead(context)) {
            // Nothing reached the downstream yet (partial record, or handshake bytes): the
            // read it asked for (or the handshake) still needs data, so ask for more.
            context.read()
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, state == .handshaking {
            fail(context: context, TLSError(.handshake, reason: "peer closed its side during the TLS handshake"))
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            pendingWrites.append((buffer, promise))
        case .active:
            encrypt(context: context, buffer, promise: promise)
        case .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch state {
        case .idle, .handshaking: pendingFlush = true
        case .active: context.flush()
        case .closed: break
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all, state == .active, let connection {
            // close_notify first, then the transport. We do not wait for the peer's reply:
            // the session is never resumed, so its close_notify would change nothing.
            state = .closed
            connection.closeNotify()
            if let bytes = connection.bio.takeOutbound() {
                context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            }
        }
        if mode == .all { state = .closed }
        context.close(mode: mode, promise: promise)
    }
}
