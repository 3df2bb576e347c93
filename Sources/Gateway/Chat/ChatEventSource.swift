/// Where a `ChatEventStream`'s events come from: an upstream read on the consumer's own task
/// (`UpstreamEventReader`, every HTTP provider) or a queue fed by a producing task
/// (`ChatEventPipe`: mesh peers, closure providers, known events).
///
/// One consumer at a time calls `next`, `nextBatch` and `unread`, one call after another; it
/// may move between tasks (the gateway peeks from the opening task, the client's writer goes
/// on from the connection's). `cancel` may come from any thread at any time.
protocol ChatEventSource: AnyObject, Sendable {
    /// The next event; nil at the end; the upstream's error when it failed.
    func next() async throws -> ChatEvent?
    /// The next events that arrived together (at least one, at most `limit`); empty at the end.
    func nextBatch(limit: Int) async throws -> [ChatEvent]
    /// Puts back the event a caller looked at (the gateway peeks at the first to commit).
    func unread(_ event: ChatEvent)
    /// The consumer is gone: abort the upstream; a read waiting now or later throws.
    func cancel()
}

extension ChatEventPipe: ChatEventSource {}
