public import HummingbirdCore
public import Logging
public import NIOCore

/// Wraps a server child channel so that a connection over the `ConnectionLimiter`'s maximum
/// is closed before a byte of it is read. The slot is held for exactly as long as `handle`
/// runs, which is the connection's whole life.
///
/// The check is in `handle`, not `setup`: a failed setup future would reach the server
/// channel as an error and end its accept loop.
public struct ConnectionLimitChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value
    let base: Base
    let limiter: ConnectionLimiter

    public init(_ base: Base, limiter: ConnectionLimiter) {
        self.base = base
        self.limiter = limiter
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        guard limiter.acquire() else {
            // Debug only: under a flood a line per refused socket would flood the log too.
            logger.debug("connection refused: limit reached", metadata: ["limit": "\(limiter.maximum)"])
            try? await value.channel.close()
            return
        }
        defer { limiter.release() }
        await base.handle(value: value, logger: logger)
    }
}

extension ServerChildChannel {
    /// This channel behind `limiter` (an existential opener for builder closures).
    public func limitingConnections(_ limiter: ConnectionLimiter) -> any ServerChildChannel {
        ConnectionLimitChannel(self, limiter: limiter)
    }
}
