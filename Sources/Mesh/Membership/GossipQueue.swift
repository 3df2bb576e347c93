/// Updates waiting to be piggybacked on probes. One entry per member (a newer fact about a
/// member replaces the older), each sent a bounded number of times, least-sent first; when
/// full the most-sent entry is dropped. Bounded so a flood of claims cannot grow memory.
struct GossipQueue: Sendable {
    private struct Entry: Sendable {
        var update: MemberUpdate
        var transmits: Int
        var order: Int
    }

    let limit: Int
    private var entries: [String: Entry] = [:]
    private var counter = 0

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { entries.count }

    mutating func enqueue(_ update: MemberUpdate) {
        counter += 1
        entries[update.id] = Entry(update: update, transmits: 0, order: counter)
        if entries.count > limit, let worst = entries.max(by: { ($0.value.transmits, -$0.value.order) < ($1.value.transmits, -$1.value.order) }) {
            entries[worst.key] = nil
        }
    }

    /// Up to `count` entries, least transmitted (then newest) first; each is counted as sent
    /// and retired after `maxTransmits`.
    mutating func take(_ count: Int, maxTransmits: Int) -> [MemberUpdate] {
        let chosen = entries.values.sorted { ($0.transmits, -$0.order) < ($1.transmits, -$1.order) }.prefix(count)
        var out: [MemberUpdate] = []
        for entry in chosen {
            out.append(entry.update)
            let sent = entry.transmits + 1
            entries[entry.update.id] = sent >= maxTransmits ? nil : Entry(update: entry.update, transmits: sent, order: entry.order)
        }
        return out
    }
}
