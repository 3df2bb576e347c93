import Storage
import Synchronization
import Testing

/// A settable wall clock for the tests.
final class FakeWall: Sendable {
    let milliseconds: Atomic<UInt64>
    init(_ start: UInt64) { milliseconds = Atomic(start) }
    var read: @Sendable () -> UInt64 { { self.milliseconds.load(ordering: .relaxed) } }
}

@Suite struct HybridClockTests {
    @Test func monotonicAcrossManyThreads() async {
        let clock = HybridClock()
        let perTask = 1_250
        let batches = await withTaskGroup(of: [HLC].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<perTask).map { _ in clock.now() } }
            }
            return await group.reduce(into: [[HLC]]()) { $0.append($1) }
        }
        for batch in batches {
            #expect(zip(batch, batch.dropFirst()).allSatisfy { $0 < $1 })
        }
        #expect(Set(batches.joined()).count == 8 * perTask)
    }

    @Test func frozenWallClockUsesCounterAndOverflowsIntoNextMillisecond() throws {
        let wall = FakeWall(1_000)
        let clock = HybridClock(wallClock: wall.read)
        #expect(clock.now() == HLC(milliseconds: 1_000, counter: 0))
        #expect(clock.now() == HLC(milliseconds: 1_000, counter: 1))
        try clock.observe(HLC(milliseconds: 1_000, counter: .max - 1))
        #expect(clock.now() == HLC(milliseconds: 1_000, counter: .max))
        #expect(clock.now() == HLC(milliseconds: 1_001, counter: 0))
        // Wall clock going backwards never makes time go backwards.
        wall.milliseconds.store(500, ordering: .relaxed)
        #expect(clock.now() == HLC(milliseconds: 1_001, counter: 1))
        wall.milliseconds.store(2_000, ordering: .relaxed)
        #expect(clock.now() == HLC(milliseconds: 2_000, counter: 0))
    }

    @Test func observeMovesClockPastRemote() throws {
        let wall = FakeWall(10_000)
        let clock = HybridClock(maxDriftMilliseconds: 60_000, wallClock: wall.read)
        let remote = HLC(milliseconds: 40_000, counter: 9)
        try clock.observe(remote)
        let next = clock.now()
        #expect(next > remote)
        #expect(next == HLC(milliseconds: 40_000, counter: 10))
        try clock.observe(HLC(milliseconds: 5, counter: 0))  // an older remote changes nothing
        #expect(clock.now() == HLC(milliseconds: 40_000, counter: 11))
    }

    @Test func farFutureRemoteIsRejected() throws {
        let wall = FakeWall(10_000)
        let clock = HybridClock(maxDriftMilliseconds: 60_000, wallClock: wall.read)
        try clock.observe(HLC(milliseconds: 70_000, counter: 0))  // exactly at the limit
        do {
            try clock.observe(HLC(milliseconds: 70_001 + 1_000_000, counter: 0))
            Issue.record("expected rejection")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.message.contains("ahead"))
        }
        #expect(clock.now() == HLC(milliseconds: 70_000, counter: 1))  // rejected one left no trace
    }
}
