import NIOCore

/// The handshake, decode and encrypt steps of `MbedTLSHandler`.
extension MbedTLSHandler {
    func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle, connection != nil else { return }
        state = .handshaking
        let timeout = TimeAmount.nanoseconds(Int64(tlsContext.configuration.handshakeTimeout.components.seconds) * 1_000_000_000
            + tlsContext.configuration.handshakeTimeout.components.attoseconds / 1_000_000_000)
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, self.state == .handshaking else { return }
            self.fail(context: context, TLSError(.handshakeTimeout,
                reason: "TLS handshake not finished within \(self.tlsContext.configuration.handshakeTimeout)"))
        }
        handshakeStep(context: context)
        // With autoRead off nobody else asks for the peer's handshake bytes.
        if state == .handshaking, !autoRead(context) { context.read() }
    }

    func handshakeStep(context: ChannelHandlerContext) {
        guard let connection else { return }
        switch connection.handshake() {
        case .incomplete:
            sendOutbound(context: context)
        case .failed(let error):
            // mbedTLS queued a fatal alert in the BIO on most failures: let the peer see why.
            sendOutbound(context: context)
            fail(context: context, error)
        case .complete:
            sendOutbound(context: context)
            let peer = connection.peerCertificate
            if let error = connection.checkOptionalVerification() ?? connection.checkPinnedRoot() ?? connection.checkExpectedIP(peer) {
                fail(context: context, error)
                return
            }
            state = .active
            handshakeTimer?.cancel()
            handshakeTimer = nil
            peerCertificate = peer
            context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(peer: peerCertificate))
            // Application data may have arrived right behind the Finished message.
            if connection.bio.hasBufferedInbound { decode(context: context) }
            let writes = pendingWrites
            pendingWrites = []
            for (buffer, promise) in writes where state == .active {
                encrypt(context: context, buffer, promise: promise)
            }
            if pendingFlush, state == .active {
                pendingFlush = false
                context.flush()
            }
        }
    }

    /// Decrypts everything buffered, firing each plaintext chunk as it comes.
    func decode(context: ChannelHandlerContext) {
        while state == .active, let connection {
            switch connection.read(allocator: context.channel.allocator) {
            case .data(let plaintext):
                deliveredPlaintext = true
                context.fireChannelRead(wrapInboundOut(plaintext))
            case .incomplete:
                return
            case .closeNotify:
                // Clean shutdown from the peer: deliver what we have, answer, close.
                if deliveredPlaintext {
                    deliveredPlaintext = false
                    context.fireChannelReadComplete()
                }
                context.fireUserInboundEventTriggered(TLSUserEvent.shutdownCompleted)
                close(context: context, mode: .all, promise: nil)   // sends our close_notify
                return
            case .failed(let error):
                fail(context: context, error)
                return
            }
        }
    }

    func encrypt(context: ChannelHandlerContext, _ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let connection else { promise?.fail(ChannelError.ioOnClosedChannel); return }
        switch connection.write(buffer) {
        case .complete, .incomplete:
            // The in-memory BIO never pushes back, so .incomplete does not occur here; any
            // bytes produced are passed on with the caller's promise and flushed on flush().
            if let bytes = connection.bio.takeOutbound() {
                context.write(wrapOutboundOut(bytes), promise: promise)
            } else {
                promise?.succeed(())
            }
        case .failed(let error):
            promise?.fail(error)
            fail(context: context, error)
        }
    }

    func sendOutbound(context: ChannelHandlerContext) {
        if let bytes = connection?.bio.takeOutbound() {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        }
    }

    /// Surfaces `error` and closes the channel (once).
    func fail(context: ChannelHandlerContext, _ error: TLSError) {
        guard state != .closed else { return }
        state = .closed
        handshakeTimer?.cancel()
        handshakeTimer = nil
        discardPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    func discardPendingWrites(_ error: any Error) {
        let writes = pendingWrites
        pendingWrites = []
        for (_, promise) in writes { promise?.fail(error) }
    }

    func autoRead(_ context: ChannelHandlerContext) -> Bool {
        (try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead)) ?? true
    }
}
