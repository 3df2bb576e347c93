public import NIOCore

/// Closes the connection when the client closes its side, and runs the close action of the
/// request the connection carries. Hummingbird allows remote half-closure, so a client that
/// goes away shows up only as `inputClosed`, and the connection would otherwise stay open until
/// a write fails — never, while a stream waits for its first token. Like nginx's default for
/// proxied requests, a client that closes its side is taken to have abandoned its request
/// (HTTP clients do not half-close while awaiting an answer).
///
/// One close action per connection: HTTP/1.1 carries one request at a time, so a request's
/// action replaces the last one. (A callback on `closeFuture` per request could not be removed:
/// a keep-alive connection would hold every past stream's action, and what it captured, until
/// it closed.) Event loop only, like every handler.
public final class ClientHangupHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    private var onClose: (@Sendable () -> Void)?
    private var closed = false

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closed = true
        let action = onClose
        onClose = nil
        action?()
        context.fireChannelInactive()
    }

    /// Runs `action` when the connection closes (at once if it has), instead of the action
    /// the previous request left.
    func watchClose(_ action: @escaping @Sendable () -> Void) {
        guard !closed else {
            action()
            return
        }
        onClose = action
    }
}

@available(*, unavailable)
extension ClientHangupHandler: Sendable {}
