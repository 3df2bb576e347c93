import Net
import Testing

/// Request and completion ids: lowercase hex of the asked length, never repeated in a process.
@Suite struct RandomHexTests {
    @Test func idsAreHexOfTheAskedLengthAndDistinct() {
        var seen = Set<String>()
        var wrongLength = 0
        for _ in 0..<50_000 {
            let id = RandomHex.make(16)
            if id.utf8.count != 16 { wrongLength += 1 }
            seen.insert(id)
        }
        #expect(wrongLength == 0)
        #expect(seen.count == 50_000)
        let long = RandomHex.make(24)
        #expect(long.utf8.count == 24 && long.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        #expect(RandomHex.make(-3).isEmpty)
        #expect(RandomHex.make(1_000).utf8.count == 256)
    }
}
