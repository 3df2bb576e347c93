import Gateway
import Net

/// Streams a peer is sending us (`chat/event` notifications) for chat requests we forwarded:
/// events are buffered per stream until the consumer pulls them. Only the peer the stream
/// was opened with may feed it. Bounded: a stream over `maxBuffered` unread events fails.
actor ForwardedStreams {
    static let maxBuffered = 16_384

    struct Entry {
        let peer: String
        var buffer: [ChatEvent] = []
        var model: String?
        var ended: Result<Void, ChatForwardError>?
        var waiter: CheckedContinuation<Void, Never>?
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
        guard var entry = entries[id], entry.peer == peer, entry.ended == nil else { return }
        if entry.model == nil { entry.model = model }
        entry.buffer += events
        if entry.buffer.count > Self.maxBuffered {
            entry.ended = .failure(ChatForwardError("the peer's stream ran ahead of the client by more than \(Self.maxBuffered) events"))
        }
        wake(&entry)
        entries[id] = entry
    }

    func finish(_ id: String, _ outcome: Result<Void, ChatForwardError>) {
        guard var entry = entries[id], entry.ended == nil else { return }
        entry.ended = outcome
        wake(&entry)
        entries[id] = entry
    }

    func close(_ id: String) {
        guard var entry = entries.removeValue(forKey: id) else { return }
        wake(&entry)
    }

    func model(_ id: String) -> String? { entries[id]?.model }

    /// The next event; nil at the end; throws when the stream failed.
    func next(_ id: String) async throws(ChatForwardError) -> ChatEvent? {
        while true {
            guard var entry = entries[id] else { return nil }
            if !entry.buffer.isEmpty {
                let event = entry.buffer.removeFirst()
                entries[id] = entry
                return event
            }
            if let ended = entry.ended {
                entries[id] = nil
                try ended.get()
                return nil
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                entry.waiter = continuation
                entries[id] = entry
            }
        }
    }

    private func wake(_ entry: inout Entry) {
        entry.waiter?.resume()
        entry.waiter = nil
    }
}

/// A forwarded chat request that failed on the way or at the peer.
struct ChatForwardError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
