@testable import Appliance
import ArgumentParser
import Testing

@Suite("CA command helpers")
struct CATokenTests {
    @Test func joinTokenDurations() {
        #expect(CACommand.TokenCommand.seconds("1h") == 3600)
        #expect(CACommand.TokenCommand.seconds("90") == 90)
        #expect(CACommand.TokenCommand.seconds("7d") == Int64(604_800))
        #expect(CACommand.TokenCommand.seconds("x") == nil)
        #expect(CACommand.TokenCommand.seconds("0m") == nil)
        #expect(UTCTime.text(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.text(1_700_000_000) == "2023-11-14T22:13:20Z")
        #expect(UTCTime.text(-1) == "1969-12-31T23:59:59Z")
        // Times from tokens and replicated rows: any value formats, none traps.
        #expect(!UTCTime.text(.min).isEmpty && !UTCTime.text(.max).isEmpty)
        #expect(throws: (any Error).self) { try CACommand.Init.parse(["--days", "0"]) }
        #expect(throws: (any Error).self) { try CACommand.Init.parse(["--days", "200000000000000"]) }
    }
}
