import Synchronization

/// A bounded single-producer, single-consumer queue of chat events, for answers that come
/// from a task of their own (a mesh peer's forwarded stream, closure providers, known
/// events); HTTP upstreams are read by the consumer itself (`UpstreamEventReader`). The
/// producer asks `ready()` before its next read, so a slow client stops the reads and bytes
/// stay bounded end to end. `cancel()` (the client went away) cancels the producer's task.
///
/// Events decoded from one upstream read are yielded inside `batch`: the consumer is woken
/// once for all of them, not once per event (a wake-up is a task hop and often a thread
/// switch, which cost more than relaying the event itself).
///
/// Invariants: at most `capacity` events plus one upstream chunk's worth are buffered; each
/// waiting side is resumed exactly once (taken out of the state under the lock first).
final class ChatEventPipe: Sendable {
    private struct State {
        var buffer: [ChatEvent] = []
        var head = 0
        var ending: Result<Void, any Error>?
        var cancelled = false
        var consumer: CheckedContinuation<Void, Never>?
        var producer: CheckedContinuation<Void, Never>?
        var onCancel: (@Sendable () -> Void)?
        /// Inside `batch`: yields append without waking the consumer.
        var holding = false

        var count: Int { buffer.count - head }

        mutating func pop() -> ChatEvent {
            let event = buffer[head]
            head += 1
            if head == buffer.count { buffer.removeAll(keepingCapacity: true); head = 0 }
            return event
        }
    }

    static let defaultCapacity = 64
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = ChatEventPipe.defaultCapacity) { self.capacity = max(1, capacity) }

    /// What to run when the consumer goes away (cancel the producing task).
    func onCancel(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.cancelled { return true }
            state.onCancel = action
            return false
        }
        if runNow { action() }
    }

    // MARK: producer

    func yield(_ event: ChatEvent) {
        let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.cancelled, state.ending == nil else { return nil }
            state.buffer.append(event)
            if state.holding { return nil }
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume()
    }

    /// Runs `body` (which yields the events of one upstream read) and wakes the consumer
    /// once at the end, whether `body` returns or throws.
    func batch<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { $0.holding = true }
        defer {
            let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.holding = false
                guard state.count > 0 else { return nil }
                defer { state.consumer = nil }
                return state.consumer
            }
            consumer?.resume()
        }
        return try body()
    }

    func finish(throwing error: (any Error)? = nil) {
        let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.ending == nil { state.ending = error.map { .failure($0) } ?? .success(()) }
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume()
    }

    /// Returns when there is room for more events; throws when the consumer is gone.
    func ready() async throws {
        while true {
            let (cancelled, room) = state.withLock { ($0.cancelled, $0.count < capacity) }
            if cancelled { throw CancellationError() }
            if room { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { state in
                    guard !state.cancelled, state.count >= capacity else { return false }
                    state.producer = continuation
                    return true
                }
                if !parked { continuation.resume() }
            }
        }
    }

    // MARK: consumer

    /// The next event; nil at the end; the producer's error when it failed.
    func next() async throws -> ChatEvent? {
        while true {
            enum Step { case event(ChatEvent, CheckedContinuation<Void, Never>?), end(Result<Void, any Error>), wait }
            let step: Step = state.withLock { state in
                if state.count > 0 {
                    let event = state.pop()
                    // Wake the producer at half, not at once, so it does not flap per event.
                    var producer: CheckedContinuation<Void, Never>?
                    if state.count <= capacity / 2 { producer = state.producer; state.producer = nil }
                    return .event(event, producer)
                }
                if let ending = state.ending { return .end(ending) }
                if state.cancelled { return .end(.failure(CancellationError())) }
                return .wait
            }
            switch step {
            case .event(let event, let producer):
                producer?.resume()
                return event
            case .end(let ending):
                try ending.get()
                return nil
            case .wait:
                await waitForEvents()
            }
        }
    }

    /// Every buffered event (up to `limit`), waiting for at least one: what arrived together
    /// leaves in one write. Empty at the end; the producer's error when it failed.
    func nextBatch(limit: Int) async throws -> [ChatEvent] {
        let limit = max(1, limit)
        while true {
            enum Step { case events([ChatEvent], CheckedContinuation<Void, Never>?), end(Result<Void, any Error>), wait }
            let step: Step = state.withLock { state in
                if state.count > 0 {
                    var events: [ChatEvent] = []
                    events.reserveCapacity(min(state.count, limit))
                    while state.count > 0, events.count < limit { events.append(state.pop()) }
                    var producer: CheckedContinuation<Void, Never>?
                    if state.count <= capacity / 2 { producer = state.producer; state.producer = nil }
                    return .events(events, producer)
                }
                if let ending = state.ending { return .end(ending) }
                if state.cancelled { return .end(.failure(CancellationError())) }
                return .wait
            }
            switch step {
            case .events(let events, let producer):
                producer?.resume()
                return events
            case .end(let ending):
                try ending.get()
                return []
            case .wait:
                await waitForEvents()
            }
        }
    }

    /// Parks the consumer until an event, the end or a cancel arrives.
    private func waitForEvents() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { state in
                    guard state.count == 0, state.ending == nil, !state.cancelled else { return false }
                    state.consumer = continuation
                    return true
                }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            self.cancel()
        }
    }

    /// Puts back the event a caller looked at (the gateway peeks at the first to commit).
    func unread(_ event: ChatEvent) {
        state.withLock { state in
            if state.head > 0 { state.head -= 1; state.buffer[state.head] = event } else { state.buffer.insert(event, at: 0) }
        }
    }

    /// The consumer is gone: stop the producer (its task is cancelled, aborting the upstream).
    func cancel() {
        let (consumer, producer, action) = state.withLock { state in
            guard !state.cancelled else { return (CheckedContinuation<Void, Never>?.none, CheckedContinuation<Void, Never>?.none, (@Sendable () -> Void)?.none) }
            state.cancelled = true
            defer { state.consumer = nil; state.producer = nil; state.onCancel = nil }
            return (state.consumer, state.producer, state.onCancel)
        }
        consumer?.resume()
        producer?.resume()
        action?()
    }

    var isEnded: Bool { state.withLock { $0.ending != nil && $0.count == 0 } }

    /// The consumer is parked waiting for events (tests watch the wake-ups with it).
    var consumerIsWaiting: Bool { state.withLock { $0.consumer != nil } }
}
