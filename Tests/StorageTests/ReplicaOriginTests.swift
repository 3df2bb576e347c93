import Testing
import Storage

/// Replicated writes order by (hlc, origin): stamps from one origin must strictly increase.
@Suite struct ReplicaOriginTests {
    @Test func stampsIncreaseEvenWithinOneMillisecond() {
        let origin = ReplicaOrigin(nodeID: "node-test", clock: HybridClock(wallClock: { 1_000 }))
        let stamps = (0..<100).map { _ in origin.stamp() }
        #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })
        #expect(origin.nodeID == "node-test")
    }
}
