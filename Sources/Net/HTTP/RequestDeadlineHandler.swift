public import NIOCore
public import NIOHTTPTypes

/// Closes the connection when a request's body has not fully arrived within `deadline` of
/// its head. The idle timeout alone cannot catch a client that trickles one byte every few
/// seconds: each byte resets it, and one such client holds a connection (and a handler
/// waiting on the body) forever.
///
/// Sits after the HTTP decoder (`HTTP1Channel.Configuration.additionalChannelHandlers`).
/// Only receiving is bounded: a long streamed response is not a slow request.
public final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart

    let deadline: TimeAmount
    private var timer: Scheduled<Void>?

    public init(deadline: TimeAmount) { self.deadline = deadline }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            timer?.cancel()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: deadline) { bound.value.close(promise: nil) }
        case .end:
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}
