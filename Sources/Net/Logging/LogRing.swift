import Synchronization
import FoundationEssentials

/// The most recent log lines, kept in memory for the `logs` tool and the admin page.
/// Fixed capacity: the oldest line is dropped when full. Guarded by its mutex.
public final class LogRing: Sendable {
    public struct Line: Sendable, Codable, Equatable {
        public let timestamp: Double
        public let level: String
        public let label: String
        public let message: String
        public let metadata: [String: String]
    }

    private struct State {
        var lines: [Line] = []
        var next = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 2_000) { self.capacity = max(1, capacity) }

    public func append(_ line: Line) {
        state.withLock { state in
            if state.lines.count < capacity {
                state.lines.append(line)
            } else {
                state.lines[state.next] = line
            }
            state.next = (state.next + 1) % capacity
        }
    }

    /// Oldest first. `level` keeps lines at or above it; `label` filters by logger label
    /// prefix (the category).
    public func recent(limit: Int = 100, minimumLevel: String? = nil, label: String? = nil) -> [Line] {
        let all: [Line] = state.withLock { state in
            state.lines.count < capacity ? state.lines : Array(state.lines[state.next...] + state.lines[..<state.next])
        }
        let order = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        let minimum = minimumLevel.flatMap { order.firstIndex(of: $0) } ?? 0
        let filtered = all.filter { line in
            (order.firstIndex(of: line.level) ?? 0) >= minimum && (label.map { line.label.hasPrefix($0) } ?? true)
        }
        return Array(filtered.suffix(max(0, limit)))
    }
}
