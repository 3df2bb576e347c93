public import HummingbirdCore
public import Logging
public import NIOCore

/// Handles a server child channel with its event loop as the task's executor preference
/// (`EventLoopTaskExecutor`): the connection's handler, and what it awaits, run on the loop
/// that owns the socket instead of on Swift's cooperative pool.
public struct EventLoopAffineChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value
    let base: Base

    public init(_ base: Base) { self.base = base }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        let executor = EventLoopTaskExecutor(value.channel.eventLoop)
        await EventLoopTaskExecutor.$current.withValue(executor) {
            await withTaskExecutorPreference(executor) {
                await base.handle(value: value, logger: logger)
            }
        }
    }
}

extension ServerChildChannel {
    /// This channel handled on its own event loop (an existential opener for builder closures).
    public func onItsEventLoop() -> any ServerChildChannel {
        EventLoopAffineChannel(self)
    }
}
