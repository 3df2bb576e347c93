public import NIOCore

/// First in the pipeline of a connection over the `ConnectionLimiter`'s maximum (`APIChannel`):
/// closes it once active, forwards no reads. Setup must still succeed for such a connection:
/// a failed setup future reaches the server channel as an error and ends its accept loop, and
/// the channel's value must run its `handle` to be torn down (an `NIOAsyncChannel` traps when
/// dropped unfinished).
final class RefuseConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

@available(*, unavailable)
extension RefuseConnectionHandler: Sendable {}
