public import HummingbirdCore
public import Logging
public import NIOCore

/// Wraps a server child channel so that a connection over the `ConnectionLimiter`'s maximum
/// is closed as soon as it is active, before a byte of it is read. The slot is taken at
/// accept (setup) and given back when the channel closes.
///
/// Setup must still succeed for a refused connection: a failed setup future reaches the
/// server channel as an error and ends its accept loop, and the base channel's value must
/// run its `handle` to be torn down cleanly (an `NIOAsyncChannel` traps when dropped
/// unfinished). So a refused connection gets a full pipeline with `RefuseConnectionHandler`
/// in front, which closes it on `channelActive` and lets nothing through.
public struct ConnectionLimitChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value
    let base: Base
    let limiter: ConnectionLimiter

    public init(_ base: Base, limiter: ConnectionLimiter) {
        self.base = base
        self.limiter = limiter
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admitted = limiter.admit(channel, logger: logger)
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            if !admitted { try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler(), position: .first) }
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// First in a refused connection's pipeline: closes it once active, forwards no reads.
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

extension ServerChildChannel {
    /// This channel behind `limiter` (an existential opener for builder closures).
    public func limitingConnections(_ limiter: ConnectionLimiter) -> any ServerChildChannel {
        ConnectionLimitChannel(self, limiter: limiter)
    }
}
