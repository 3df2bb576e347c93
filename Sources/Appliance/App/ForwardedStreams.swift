import Gateway
import Net

/// Streams a peer is sending us (`chat/event` notifications) for chat requests we forwarded:
/// events are buffered per stream until the consumer pulls them. Only the peer the stream
/// was opened with may feed it. Bounded: a stream over `maxBuffered` unread events fails.
actor ForwardedStreams {
    static let maxBuffered = 16_384

    /// Changed in place only (`entries[id]?.…`): an entry copied out and stored back copied
    /// its whole buffer on every delivery.
    struct Entry {
        let peer: String
        /// Events from `head` on are unread: an index, not `removeFirst`, which shifted the
        /// rest of up to 16K events on every read.
        var buffer: [ChatEvent] = []
        var head = 0
        var model: String?
        var ended: Result<Void, ChatForwardError>?
        var waiter: CheckedContinuation<Void, Never>?

        var unread: Int { buffer.count - head }

        mutating func append(_ events: [ChatEvent]) {
            if head > 0, head * 2 >= buffer.count {   // at least half read: drop it, amortized O(1)
                buffer.removeFirst(head)
                head = 0
            }
            buffer += events
        }

        mutating func take() -> ChatEvent? {
            guard head < buffer.count else { return nil }
            defer { head += 1 }
            return buffer[head]
        }

        mutating func wake() {
            waiter?.resume()
            waiter = nil
        }
    }

    var entries: [String: Entry] = [:]
    var next = 0

    func open(peer: String) -> String {
        next += 1
        let id = "s\(next)"
        entries[id] = Entry(peer: peer)
        return id
    }

    func deliver(_ id: String, from peer: String, model: String?, events: [ChatEvent]) {
        // No local copy of the entry: one alive during the append would make it copy the buffer.
        guard entries[id]?.peer == peer, entries[id]?.ended == nil else { return }
        if entries[id]?.model == nil { entries[id]?.model = model }
        entries[id]?.append(events)
        if (entries[id]?.unread ?? 0) > Self.maxBuffered {
            entries[id]?.ended = .failure(ChatForwardError("the peer's stream ran ahead of the client by more than \(Self.maxBuffered) events"))
        }
        entries[id]?.wake()
    }

    func finish(_ id: String, _ outcome: Result<Void, ChatForwardError>) {
        guard entries[id]?.ended == nil else { return }
        entries[id]?.ended = outcome
        entries[id]?.wake()
    }

    func close(_ id: String) {
        guard var entry = entries.removeValue(forKey: id) else { return }
        entry.wake()
    }

    func model(_ id: String) -> String? { entries[id]?.model }

    /// The next event; nil at the end; throws when the stream failed.
    func next(_ id: String) async throws(ChatForwardError) -> ChatEvent? {
        while entries[id] != nil {
            if let event = entries[id]?.take() { return event }
            if let ended = entries[id]?.ended {
                entries[id] = nil
                try ended.get()
                return nil
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                entries[id]?.waiter = continuation
            }
        }
        return nil
    }
}

/// A forwarded chat request that failed on the way or at the peer.
struct ChatForwardError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
