import Glibc
import Net
import Testing

@Suite("HeapTrim")
struct HeapTrimTests {
    @Test func firstLookSetsTheBaselineAndNeverTrims() {
        var policy = HeapTrimPolicy(growthBytes: 8 << 20, quietConnections: 8)
        #expect(!policy.observe(connections: 0, residentBytes: 100 << 20))
        #expect(policy.baseline == 100 << 20)
    }

    @Test func trimsOnceGrownAndQuietAgain() {
        var policy = HeapTrimPolicy(growthBytes: 8 << 20, quietConnections: 8)
        _ = policy.observe(connections: 0, residentBytes: 40 << 20)
        // A burst: memory grows, but 1,000 connections are open.
        #expect(!policy.observe(connections: 1_000, residentBytes: 120 << 20))
        // Down to 300: not yet a quarter of the peak.
        #expect(!policy.observe(connections: 300, residentBytes: 120 << 20))
        // 250 is a quarter of the peak: quiet enough.
        #expect(policy.observe(connections: 250, residentBytes: 120 << 20))
        policy.trimmed(connections: 250, residentBytes: 70 << 20)
        #expect(policy.baseline == 70 << 20)
        #expect(policy.peakConnections == 250)
        // Memory still in use is not trimmed again and again.
        #expect(!policy.observe(connections: 0, residentBytes: 72 << 20))
        #expect(policy.observe(connections: 0, residentBytes: 78 << 20))
    }

    @Test func smallGrowthOrABusyNodeIsLeftAlone() {
        var policy = HeapTrimPolicy(growthBytes: 8 << 20, quietConnections: 8)
        _ = policy.observe(connections: 0, residentBytes: 40 << 20)
        #expect(!policy.observe(connections: 0, residentBytes: (48 << 20) - 1))
        #expect(!policy.observe(connections: 20, residentBytes: 60 << 20))
        #expect(policy.observe(connections: 8, residentBytes: 60 << 20))
    }

    @Test func memoryThatFellByItselfLowersTheBaseline() {
        var policy = HeapTrimPolicy(growthBytes: 8 << 20, quietConnections: 8)
        _ = policy.observe(connections: 0, residentBytes: 60 << 20)
        #expect(!policy.observe(connections: 0, residentBytes: 30 << 20))
        #expect(policy.baseline == 30 << 20)
        #expect(policy.observe(connections: 0, residentBytes: 40 << 20))
    }

    @Test func extremeReadingsDoNotOverflow() {
        var policy = HeapTrimPolicy(growthBytes: 8 << 20, quietConnections: 8)
        _ = policy.observe(connections: 0, residentBytes: .min)
        #expect(policy.observe(connections: Int.max, residentBytes: .max) == false)
        #expect(policy.observe(connections: 0, residentBytes: .max))
    }

    /// The real thing: pages of freed heap chunks are resident before `trim` and handed back
    /// after (mincore). Live chunks between the freed runs keep glibc from shrinking the heap
    /// by itself, as live connections do in the node.
    @Test func trimReturnsFreedPagesToTheSystem() throws {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let chunk = 4_096, run = 16, runs = 1_024
        var chunks: [UnsafeMutableRawPointer] = []
        for _ in 0..<(run * runs) {
            let pointer = try #require(malloc(chunk))
            memset(pointer, 0x5A, chunk)
            chunks.append(pointer)
        }
        // Free all but the first chunk of each run; probe the page in the middle of each run.
        var probes: [UnsafeMutableRawPointer] = []
        for index in chunks.indices where index % run != 0 {
            if index % run == run / 2 {
                let address = UInt(bitPattern: chunks[index]) & ~UInt(pageSize - 1)
                probes.append(try #require(UnsafeMutableRawPointer(bitPattern: address)))
            }
            free(chunks[index])
        }
        defer { for index in stride(from: 0, to: chunks.count, by: run) { free(chunks[index]) } }
        func residentProbes() -> Int {
            var vector: UInt8 = 0
            return probes.filter { mincore($0, pageSize, &vector) == 0 && vector & 1 == 1 }.count
        }
        let before = residentProbes()
        MallocHeap.trim()
        let after = residentProbes()
        // Other tests allocate meanwhile and may take some of the freed chunks: most, not all.
        #expect(before >= probes.count * 3 / 4, "\(before) of \(probes.count) resident before")
        #expect(after <= probes.count / 4, "\(after) of \(probes.count) still resident after the trim")
    }
}
