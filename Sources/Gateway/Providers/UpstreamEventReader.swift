import Net
import Synchronization

/// How one wire format turns a streamed upstream body into chat events: what its items are
/// (SSE events, NDJSON lines) and whatever it must remember from one item to the next.
protocol UpstreamStreamDecoder {
    associatedtype Items: UpstreamItemBatches
    /// The body read as items, capped at `ProviderHTTP.maxStreamEventBytes` each (given
    /// below for SSE events and NDJSON lines).
    static func items(of body: ResponseBody) -> Items
    /// The chat events one item carries; a `ProviderError` for an item it cannot read.
    mutating func decode(_ item: Items.Item) throws -> [ChatEvent]
    /// The upstream said it is done: nothing after this item is read.
    var stopped: Bool { get }
    /// The answer is whole: the body may end here. An end before this is a cut-off answer.
    var complete: Bool { get }
    /// What a cut-off answer is reported as ("stream ended before message_stop").
    var cutOff: String { get }
}

/// A streamed body read in batches: the items one body chunk completes; nil at the end.
protocol UpstreamItemBatches {
    associatedtype Item
    mutating func nextBatch() async throws -> [Item]?
}

extension SSEEventSequence.AsyncIterator: UpstreamItemBatches {}
extension NDJSONLineSequence.AsyncIterator: UpstreamItemBatches {}

extension UpstreamStreamDecoder where Items == SSEEventSequence.AsyncIterator {
    static func items(of body: ResponseBody) -> Items {
        body.sseEvents(maxEventBytes: ProviderHTTP.maxStreamEventBytes).makeAsyncIterator()
    }
}

extension UpstreamStreamDecoder where Items == NDJSONLineSequence.AsyncIterator {
    static func items(of body: ResponseBody) -> Items {
        body.ndjsonLines(maxLineBytes: ProviderHTTP.maxStreamEventBytes).makeAsyncIterator()
    }
}

/// A streamed upstream answer read by its consumer's own task: each `nextBatch` reads the
/// next body chunk and decodes the events it completes. No producing task and no queue in
/// between (issue 10: a task per stream held ~8 KB of async-frame slabs for the stream's
/// life, and every read cost two wake-ups); the transfer's own bounded buffer, which curl
/// pauses when full, is the backpressure.
///
/// Threads: `ChatEventSource`'s rule. The read state (`phase`, `decoder`, `pending`) belongs
/// to the one consumer and is touched by no one else, hence `@unchecked Sendable`; what
/// `cancel` needs lives under `abort`'s lock.
final class UpstreamEventReader<Decoder: UpstreamStreamDecoder>: ChatEventSource, @unchecked Sendable {
    private enum Phase {
        case unopened(@Sendable () async throws -> OutgoingResponse)
        case reading(Decoder.Items)
        case ended
    }

    private struct Abort {
        var cancelled = false
        /// The open body, so `cancel` can abort its transfer; dropped at the end.
        var body: ResponseBody?
    }

    let provider: String
    private var phase: Phase
    private var decoder: Decoder
    /// Decoded events; those from `head` on are not handed out yet (a batch limit left them,
    /// or a peeked one was put back). An index, not `removeFirst`: one upstream chunk can
    /// decode to a million events, and shifting the rest on every read made that quadratic.
    private var pending: [ChatEvent] = []
    private var head = 0
    private let abort = Mutex(Abort())

    /// `open` sends the request and returns once the upstream's head is in (a non-2xx
    /// answer throws); it runs at the first read.
    init(provider: String, decoder: Decoder, open: @escaping @Sendable () async throws -> OutgoingResponse) {
        self.provider = provider
        self.decoder = decoder
        self.phase = .unopened(open)
    }

    func next() async throws -> ChatEvent? {
        try await refill()
        guard head < pending.count else { return nil }
        defer { head += 1 }
        return pending[head]
    }

    func nextBatch(limit: Int) async throws -> [ChatEvent] {
        try await refill()
        let count = min(max(1, limit), pending.count - head)
        defer { head += count }
        if head == 0, count == pending.count { return pending }
        return Array(pending[head..<(head + count)])
    }

    func unread(_ event: ChatEvent) {
        if head > 0 {
            head -= 1
            pending[head] = event
        } else {
            pending.insert(event, at: 0)
        }
    }

    /// Reads the next events once every decoded one was handed out (none: the stream ended).
    private func refill() async throws {
        guard head == pending.count else { return }
        pending = []   // let go of the handed-out events before the wait
        head = 0
        pending = try await read()
    }

    func cancel() {
        let body = abort.withLock { state in
            state.cancelled = true
            defer { state.body = nil }
            return state.body
        }
        body?.cancel()
    }

    /// The events of the next upstream read that carries any; empty at the end.
    private func read() async throws -> [ChatEvent] {
        do {
            while true {
                switch phase {
                case .ended:
                    return []
                case .unopened(let open):
                    phase = .ended
                    if abort.withLock({ $0.cancelled }) { throw CancellationError() }
                    let response = try await open()
                    let cancelled = abort.withLock { state in
                        if !state.cancelled { state.body = response.body }
                        return state.cancelled
                    }
                    if cancelled { response.body.cancel(); throw CancellationError() }
                    phase = .reading(Decoder.items(of: response.body))
                case .reading(var items):
                    phase = .ended
                    guard let batch = try await items.nextBatch() else {
                        guard decoder.complete else { throw ProviderError(.interrupted, provider: provider, message: decoder.cutOff) }
                        finish()
                        return []
                    }
                    let events = try decode(batch)
                    if decoder.stopped { finish() } else { phase = .reading(items) }
                    if !events.isEmpty { return events }
                }
            }
        } catch {
            finish()
            throw failure(error)
        }
    }

    /// The events of one read. Not async: this class is generic, and an async function's
    /// generic locals are allocated in the task's frames, which a waiting stream holds.
    private func decode(_ batch: [Decoder.Items.Item]) throws -> [ChatEvent] {
        // A local copy: each access to a class's stored property is an exclusivity check at
        // run time, and this loop runs per event.
        var decoder = self.decoder
        var events: [ChatEvent] = []
        for item in batch {
            events += try decoder.decode(item)
            if decoder.stopped { break }
        }
        self.decoder = decoder
        return events
    }

    /// Lets go of the body (a transfer still running is aborted when its reader goes).
    private func finish() {
        phase = .ended
        abort.withLock { $0.body = nil }
    }

    /// Read errors become `.interrupted`, an oversized item `.invalidResponse`; a cancelled
    /// read is a `CancellationError`, whoever cancelled it.
    private func failure(_ error: any Error) -> any Error {
        if error is CancellationError || abort.withLock({ $0.cancelled }) || Task.isCancelled { return CancellationError() }
        if let error = error as? ProviderError { return error }
        if let error = error as? StreamParseError {
            return ProviderError(.invalidResponse, provider: provider, message: "stream: \(error)")
        }
        return ProviderError(.interrupted, provider: provider, message: "stream broke: \(error)")
    }
}
