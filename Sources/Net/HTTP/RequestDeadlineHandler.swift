public import NIOCore
public import NIOHTTPTypes

/// Closes the connection when a request's body has not fully arrived within `deadline` of
/// its head. The idle timeout alone cannot catch a client that trickles one byte every few
/// seconds: each byte resets it, and one such client holds a connection (and a handler
/// waiting on the body) forever.
///
/// Sits after the HTTP decoder (`HTTP1Channel.Configuration.additionalChannelHandlers`).
/// Only receiving is bounded: a long streamed response is not a slow request.
///
/// One timer per connection, not per request: a head only records when its body is due, and
/// the timer, when it fires, closes the connection if a body is overdue, re-arms for the
/// current request's due time if one is still arriving, or lapses. Scheduling and cancelling
/// a task on every request cost more than the rest of this handler together.
public final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart

    let deadline: TimeAmount
    /// When the body of the request being received is due; nil between requests.
    private var due: NIODeadline?
    /// Armed for `due` or an earlier request's due time (never later than `due`).
    private var timer: Scheduled<Void>?

    public init(deadline: TimeAmount) { self.deadline = deadline }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            let due = context.eventLoop.now + deadline
            self.due = due
            if timer == nil { arm(context: context, at: due) }
        case .end:
            due = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func arm(context: ChannelHandlerContext, at due: NIODeadline) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: due) { bound.value.handler.fired(context: bound.value.context) }
    }

    private func fired(context: ChannelHandlerContext) {
        timer = nil
        guard let due else { return }  // no request in flight: the timer lapses
        if due <= context.eventLoop.now {
            self.due = nil
            context.close(promise: nil)
        } else {
            arm(context: context, at: due)  // a later request's body is still arriving
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        due = nil
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}
