import Synchronization

/// What to do to the frames of one link, for tests: each frame is dropped, duplicated or
/// held back (sent after the next one: a reorder) with the given probabilities, and every
/// frame that goes out waits `delay` first. Seeded, so a failing run can be replayed.
public struct LinkFaults: Sendable, Equatable {
    public var dropRate: Double
    public var duplicateRate: Double
    public var reorderRate: Double
    public var delay: Duration
    public var seed: UInt64

    public init(dropRate: Double = 0, duplicateRate: Double = 0, reorderRate: Double = 0, delay: Duration = .zero, seed: UInt64 = 1) {
        self.dropRate = dropRate
        self.duplicateRate = duplicateRate
        self.reorderRate = reorderRate
        self.delay = delay
        self.seed = seed
    }
}

/// Wraps a transport and applies `LinkFaults` to what it sends. Counts what it did, so a
/// test can assert the faults really happened.
public final class FaultInjectingTransport: MeshTransport {
    public struct Counts: Sendable, Equatable {
        public var sent = 0, dropped = 0, duplicated = 0, reordered = 0
    }

    private struct State {
        var random: RandomSource
        var held: String?
        var counts = Counts()
    }

    let base: any MeshTransport
    public let faults: LinkFaults
    /// Guards the generator, the held-back frame and the counts.
    private let state: Mutex<State>

    public init(wrapping base: any MeshTransport, faults: LinkFaults) {
        self.base = base
        self.faults = faults
        state = Mutex(State(random: RandomSource(seed: faults.seed)))
    }

    public var peerID: String { base.peerID }
    public var counts: Counts { state.withLock { $0.counts } }

    @discardableResult public func send(_ text: String) -> Bool {
        let outgoing: [String] = state.withLock { state in
            let roll = Double(state.random.next() % 1_000_000) / 1_000_000
            if roll < faults.dropRate {
                state.counts.dropped += 1
                return []
            }
            if state.held == nil, roll < faults.dropRate + faults.reorderRate {
                state.held = text
                state.counts.reordered += 1
                return []
            }
            var frames = [text]
            if roll < faults.dropRate + faults.reorderRate + faults.duplicateRate {
                frames.append(text)
                state.counts.duplicated += 1
            }
            if let held = state.held {
                frames.append(held)
                state.held = nil
            }
            state.counts.sent += frames.count
            return frames
        }
        guard !outgoing.isEmpty else { return true }
        if faults.delay == .zero {
            for frame in outgoing { base.send(frame) }
        } else {
            let base = base, delay = faults.delay
            Task {
                try? await Task.sleep(for: delay)
                for frame in outgoing { base.send(frame) }
            }
        }
        return true
    }

    public func close() { base.close() }
}
