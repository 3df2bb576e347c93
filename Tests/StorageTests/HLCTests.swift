import Storage
import Testing

@Suite struct HLCTests {
    @Test func bitLayout() {
        let hlc = HLC(milliseconds: 0x0123_4567_89AB, counter: 0xCDEF)
        #expect(hlc.rawValue == 0x0123_4567_89AB_CDEF)
        #expect(hlc.milliseconds == 0x0123_4567_89AB)
        #expect(hlc.counter == 0xCDEF)
        #expect(HLC(rawValue: hlc.rawValue) == hlc)
        #expect(HLC(storageValue: hlc.storageValue) == hlc)
        // Milliseconds beyond 48 bits are masked, never spill into nothing or the counter.
        #expect(HLC(milliseconds: 0x1_0000_0000_0000 | 5, counter: 1) == HLC(milliseconds: 5, counter: 1))
        #expect(HLC(milliseconds: 10, counter: .max) < HLC(milliseconds: 11, counter: 0))
        #expect(HLC(milliseconds: 7, counter: 3).description == "7.3")
    }

    @Test func lastWriterWinsRule() {
        let early = HLC(milliseconds: 100, counter: 0)
        let late = HLC(milliseconds: 100, counter: 1)
        #expect(HLC.wins((late, "a"), over: (early, "z")))
        #expect(!HLC.wins((early, "z"), over: (late, "a")))
        #expect(HLC.wins((late, "node-b"), over: (late, "node-a")))  // tie broken by origin
        #expect(!HLC.wins((late, "node-a"), over: (late, "node-b")))
        #expect(!HLC.wins((late, "node-a"), over: (late, "node-a")))  // identical never wins
    }

    /// SQLite orders stored HLCs exactly like Swift does, including counter edges.
    @Test func storageOrderMatchesSwiftOrder() async throws {
        let values = [
            HLC(milliseconds: 1_700_000_000_000, counter: .max),
            HLC(milliseconds: 1_700_000_000_001, counter: 0),
            HLC(milliseconds: 0, counter: 1),
            HLC(milliseconds: 1_700_000_000_000, counter: 0),
            HLC(milliseconds: 4_102_444_800_000, counter: 7),  // year 2100
        ]
        let table = [Migration(version: 1, name: "h", sql: "CREATE TABLE h (hlc INTEGER NOT NULL);")]
        try await withDatabase(migrations: table) { database, _ in
            try await database.transaction { connection in
                for value in values { try connection.run("INSERT INTO h(hlc) VALUES (?)", value) }
            }
            let sorted = try await database.read { try $0.query("SELECT hlc FROM h ORDER BY hlc").compactMap { $0.hlc("hlc") } }
            #expect(sorted == values.sorted())
        }
    }
}
