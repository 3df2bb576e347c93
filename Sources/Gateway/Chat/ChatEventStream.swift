import Synchronization

/// A streamed answer: chat events pulled by one consumer from its `ChatEventSource` (an
/// upstream read on the consumer's own task, or a bounded pipe a task feeds). Pulling paces
/// the upstream (backpressure); dropping the iterator before the end, or cancelling the
/// consuming task, cancels the upstream. Single consumer: iterate once.
public struct ChatEventStream: AsyncSequence, Sendable {
    public typealias Element = ChatEvent
    let owner: Owner

    init(source: any ChatEventSource, tap: StreamTap? = nil) { owner = Owner(source: source, tap: tap) }

    var source: any ChatEventSource { owner.source }

    /// Runs `produce` in a task that feeds the stream through `sink`; the task is cancelled
    /// when the consumer goes away. Errors end the stream with that error.
    public static func producing(_ produce: @escaping @Sendable (ChatEventSink) async throws -> Void) -> ChatEventStream {
        let pipe = ChatEventPipe()
        let task = Task {
            do {
                try await produce(ChatEventSink(pipe: pipe))
                pipe.finish()
            } catch {
                pipe.finish(throwing: error)
            }
        }
        pipe.onCancel { task.cancel() }
        return ChatEventStream(source: pipe)
    }

    /// A stream of known events (the offline answer, tests).
    public init(events: [ChatEvent], error: (any Error)? = nil) {
        let pipe = ChatEventPipe(capacity: Swift.max(1, events.count))
        for event in events { pipe.yield(event) }
        pipe.finish(throwing: error)
        self.init(source: pipe)
    }

    /// Adapts a plain `AsyncThrowingStream` (closure providers in tests), pacing its reads.
    public init(_ upstream: AsyncThrowingStream<ChatEvent, any Error>) {
        self = .producing { sink in
            for try await event in upstream {
                try await sink.ready()
                sink.yield(event)
            }
        }
    }

    /// The same source under a new owner watched by `tap`; this value must not be used after.
    func handOff(tap: StreamTap) -> ChatEventStream {
        owner.disarm()
        return ChatEventStream(source: owner.source, tap: tap)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(owner: owner) }

    public struct Iterator: AsyncIteratorProtocol {
        let owner: Owner

        public mutating func next() async throws -> ChatEvent? { try await owner.next() }

        /// The next event and every other one already waiting (up to `limit`), so a writer
        /// can coalesce them into one write; empty at the end. The default takes what one
        /// upstream read completes (or all a pipe holds: its capacity of 64 plus one read's
        /// events), so one read leaves in one write; it bounds a write to a few tens of KB.
        public mutating func nextBatch(limit: Int = 256) async throws -> [ChatEvent] {
            try await owner.nextBatch(limit: limit)
        }
    }

    /// Owns the consuming end, shared by every copy of the stream and its iterator: reports
    /// the end to the tap once, and when the last reference goes before the end (the client
    /// went away, or the response was never sent) cancels the upstream.
    public final class Owner: Sendable {
        let source: any ChatEventSource
        let tap: StreamTap?
        private let ended = Atomic<Bool>(false)

        init(source: any ChatEventSource, tap: StreamTap?) {
            self.source = source
            self.tap = tap
        }

        func disarm() { ended.store(true, ordering: .releasing) }

        func next() async throws -> ChatEvent? {
            do {
                if let event = try await source.next() {
                    tap?.add(event)
                    return event
                }
                await reportEnd(nil)
                return nil
            } catch {
                await reportEnd(error)
                throw error
            }
        }

        func nextBatch(limit: Int) async throws -> [ChatEvent] {
            do {
                let events = try await source.nextBatch(limit: limit)
                if events.isEmpty { await reportEnd(nil) } else { tap?.add(contentsOf: events) }
                return events
            } catch {
                await reportEnd(error)
                throw error
            }
        }

        /// Out of line: inlined, its frame was part of every read's, held while a stream waits.
        @inline(never)
        private func reportEnd(_ error: (any Error)?) async {
            if !ended.exchange(true, ordering: .acquiringAndReleasing) { await tap?.end(error: error) }
        }

        deinit {
            guard !ended.load(ordering: .acquiring) else { return }
            source.cancel()
            if let tap { Task { await tap.end(error: CancellationError()) } }
        }
    }
}

/// The producer's end of a `ChatEventStream`.
public struct ChatEventSink: Sendable {
    let pipe: ChatEventPipe

    public func yield(_ event: ChatEvent) { pipe.yield(event) }

    /// Runs `body`, which yields the events of one upstream read, and wakes the consumer
    /// once for all of them.
    public func batch<T>(_ body: () throws -> T) rethrows -> T { try pipe.batch(body) }

    /// Waits while the consumer is behind; throws `CancellationError` once it is gone.
    public func ready() async throws { try await pipe.ready() }
}

/// Watches a committed stream for the gateway: accumulates the answer and reports how it
/// ended, once (complete, failed, or abandoned by the client).
final class StreamTap: Sendable {
    /// Answers longer than this are not cached, and the tap keeps none of their text: a
    /// 10 MB answer read slowly does not grow the node by 10 MB.
    static let maxKeptBytes = 256 << 10
    private let accumulator = Mutex(ChatAccumulator(maxKeptBytes: StreamTap.maxKeptBytes))
    private let provider: String
    private let onEnd: @Sendable (Result<ChatAccumulator, ProviderError>) async -> Void

    init(provider: String, onEnd: @escaping @Sendable (Result<ChatAccumulator, ProviderError>) async -> Void) {
        self.provider = provider
        self.onEnd = onEnd
    }

    func add(_ event: ChatEvent) { accumulator.withLock { $0.add(event) } }

    func add(contentsOf events: [ChatEvent]) {
        accumulator.withLock { accumulator in
            for event in events { accumulator.add(event) }
        }
    }

    func end(error: (any Error)?) async {
        guard let error else {
            await onEnd(.success(accumulator.withLock { $0 }))
            return
        }
        let failure = error is CancellationError ? ProviderError(.cancelled, provider: provider, message: "client went away")
                                                 : ProviderError.wrap(error, provider: provider)
        await onEnd(.failure(failure))
    }
}
