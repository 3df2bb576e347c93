import Glibc
import Net
import Testing

@Suite("HeapTrim")
struct HeapTrimTests {
    @Test func dueWhenMuchOfTheHeapIsFree() {
        let policy = HeapTrimPolicy(minimumFreeBytes: 8 << 20, growthBytes: 8 << 20)
        // 30 of 128 MB free inside malloc: a burst left holes.
        #expect(policy.isDue(residentBytes: 128 << 20, freeBytes: 32 << 20))
        // Little free, or free but a small part of a big heap: leave it.
        #expect(!policy.isDue(residentBytes: 40 << 20, freeBytes: (8 << 20) - 1))
        #expect(!policy.isDue(residentBytes: 400 << 20, freeBytes: (25 << 20) - 1))
        // 1,000 streams opened at once (bench/memory.sh): 7 MB free of a 68 MB resident set.
        #expect(HeapTrimPolicy().isDue(residentBytes: 68 << 20, freeBytes: 7 << 20))
        #expect(!HeapTrimPolicy().isDue(residentBytes: 68 << 20, freeBytes: (4 << 20) - 1))
    }

    @Test func onceTrimmedWaitsForGrowth() {
        var policy = HeapTrimPolicy(minimumFreeBytes: 8 << 20, growthBytes: 8 << 20)
        #expect(policy.isDue(residentBytes: 128 << 20, freeBytes: 40 << 20))
        policy.trimmed(residentBytes: 110 << 20, freeBytes: 40 << 20)
        #expect(policy.afterLastTrim?.resident == 110 << 20)
        // The trimmed chunks still count as free: no second trim until something grew again.
        #expect(!policy.isDue(residentBytes: 110 << 20, freeBytes: 40 << 20))
        #expect(!policy.isDue(residentBytes: (118 << 20) - 1, freeBytes: (48 << 20) - 1))
        // Pages faulted back in (streams opened)...
        #expect(policy.isDue(residentBytes: 118 << 20, freeBytes: 40 << 20))
        // ...or more freed (the streams closed): RSS unchanged, malloc holds much more free.
        #expect(policy.isDue(residentBytes: 110 << 20, freeBytes: 90 << 20))
    }

    @Test func extremeReadingsDoNotOverflow() {
        var policy = HeapTrimPolicy(minimumFreeBytes: 8 << 20, growthBytes: 8 << 20)
        policy.trimmed(residentBytes: .min, freeBytes: .max)
        #expect(policy.isDue(residentBytes: .max, freeBytes: .max))
        policy.trimmed(residentBytes: .max, freeBytes: .max)
        #expect(!policy.isDue(residentBytes: .min, freeBytes: .max))
        #expect(!policy.isDue(residentBytes: .max, freeBytes: .min))
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
        #expect(MallocHeap.freeBytes() >= Int64(probes.count * chunk))
        MallocHeap.trim()
        let after = residentProbes()
        // Other tests allocate meanwhile and may take some of the freed chunks: most, not all.
        #expect(before >= probes.count * 3 / 4, "\(before) of \(probes.count) resident before")
        #expect(after <= probes.count / 4, "\(after) of \(probes.count) still resident after the trim")
    }
}
