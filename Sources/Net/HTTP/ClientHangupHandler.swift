public import NIOCore

/// Closes the connection when the client closes its side. Hummingbird allows remote
/// half-closure, so a client that goes away shows up only as `inputClosed`, and the
/// connection (and `closeFuture`, which long responses watch to abort their upstream) would
/// otherwise stay open until a write fails — never, while a stream waits for its first
/// token. Like nginx's default for proxied requests, a client that closes its side is taken
/// to have abandoned its request (HTTP clients do not half-close while awaiting an answer).
public final class ClientHangupHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

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
}
