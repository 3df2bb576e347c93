import FoundationEssentials
import Net
import Testing

@Suite struct SSEParserTests {
    /// Feeds `bytes` in three pieces split at every pair of byte positions. Yields between
    /// rounds: it is seconds of CPU in a debug build, and a test that holds a cooperative thread
    /// (two on a 2-core machine) that long starves every other test's server.
    func parseAllSplits(_ bytes: [UInt8], max: Int = 1 << 20) async throws -> [[SSEEvent]] {
        var results: [[SSEEvent]] = []
        for first in 0...bytes.count {
            await Task.yield()
            for second in first...bytes.count {
                var parser = SSEParser(maxEventBytes: max)
                var events = try parser.feed(Data(bytes[..<first]))
                events += try parser.feed(Data(bytes[first..<second]))
                events += try parser.feed(Data(bytes[second...]))
                results.append(events)
            }
        }
        return results
    }

    @Test func eventsSurviveEverySplit() async throws {
        let stream = "\u{FEFF}: comment\r\nevent: delta\r\ndata: {\"a\":1}\r\ndata:second line\r\nid: 7\r\nretry: 1500\r\n\r\n"
            + "data: plain\n\n"
            + "data\rdata: cr ends\r\r"
            + "event: ignored-no-data\n\n"
            + "data: trailing unterminated"
        let expected = [
            SSEEvent(event: "delta", data: "{\"a\":1}\nsecond line", id: "7", retry: 1500),
            SSEEvent(event: nil, data: "plain", id: "7"),
            SSEEvent(event: nil, data: "\ncr ends", id: "7"),
        ]
        let results = try await parseAllSplits(Array(stream.utf8))
        #expect(results.count > 1000)
        // One expectation over all ~13,000 splits rather than one each (far less work).
        let differing = results.filter { $0 != expected }
        #expect(differing.isEmpty, "\(differing.count) of \(results.count) splits differ; first: \(String(describing: differing.first))")
    }

    @Test func multibyteCharactersSplitAcrossChunks() async throws {
        let stream = "data: h\u{E9}llo \u{1F600}\n\n"
        for events in try await parseAllSplits(Array(stream.utf8)) {
            #expect(events == [SSEEvent(data: "h\u{E9}llo \u{1F600}")])
        }
    }

    @Test func fieldRules() throws {
        var parser = SSEParser()
        let events = try parser.feed(Data("data:  two spaces\nid: a\u{0}b\nretry: 12x\nunknown: x\ndata\n\n".utf8))
        // One leading space is dropped; an id with NUL and a non-numeric retry are ignored.
        #expect(events == [SSEEvent(data: " two spaces\n")])
    }

    @Test func oversizedEventIsRefused() throws {
        var parser = SSEParser(maxEventBytes: 64)
        #expect(try parser.feed(Data("data: short\n\n".utf8)).count == 1)
        #expect(throws: StreamParseError.self) {
            for _ in 0..<10 { _ = try parser.feed(Data("data: 0123456789\n".utf8)) }
        }
        var lines = SSEParser(maxEventBytes: 64)
        #expect(throws: StreamParseError.self) {
            for _ in 0..<10 { _ = try lines.feed(Data("0123456789".utf8)) }
        }
    }

    @Test func sseOverResponseBody() async throws {
        let body = ResponseBody(chunks: ["data: a", "\n\nevent: e\ndata: b\n", "\n"].map { Data($0.utf8) })
        var events: [SSEEvent] = []
        for try await event in body.sseEvents() { events.append(event) }
        #expect(events == [SSEEvent(data: "a"), SSEEvent(event: "e", data: "b")])
    }
}

@Suite struct NDJSONParserTests {
    @Test func linesSurviveEverySplit() throws {
        let bytes = Array("{\"a\":1}\n\r\n{\"b\":\"\u{E9}\"}\r\n  \n{\"c\":3}".utf8)
        let expected = ["{\"a\":1}", "{\"b\":\"\u{E9}\"}", "{\"c\":3}"].map { Data($0.utf8) }
        for first in 0...bytes.count {
            for second in first...bytes.count {
                var parser = NDJSONParser()
                var lines = try parser.feed(Data(bytes[..<first]))
                lines += try parser.feed(Data(bytes[first..<second]))
                lines += try parser.feed(Data(bytes[second...]))
                if let last = parser.finish() { lines.append(last) }
                #expect(lines == expected)
            }
        }
    }

    @Test func oversizedLineIsRefused() throws {
        var parser = NDJSONParser(maxLineBytes: 16)
        #expect(try parser.feed(Data("{\"ok\":true}\n".utf8)).count == 1)
        #expect(throws: StreamParseError.self) {
            for _ in 0..<4 { _ = try parser.feed(Data("0123456789".utf8)) }
        }
    }

    @Test func ndjsonOverResponseBody() async throws {
        let body = ResponseBody(chunks: ["{\"a\"", ":1}\n{\"b\":2}"].map { Data($0.utf8) })
        var lines: [String] = []
        for try await line in body.ndjsonLines() { lines.append(String(decoding: line, as: UTF8.self)) }
        #expect(lines == ["{\"a\":1}", "{\"b\":2}"])
    }
}

@Suite struct SSEFieldLimitTests {
    @Test func retryIsCheckedAndIDsCarryOver() throws {
        var parser = SSEParser()
        let events = try parser.feed(Data("retry: 99999999999999999999999999\nid: 1\ndata: a\n\ndata\n\nretry: 250\ndata: c\n\n".utf8))
        // An out-of-range retry is ignored (no trap); an empty `data` line is an event with "".
        #expect(events == [SSEEvent(data: "a", id: "1"), SSEEvent(data: "", id: "1"), SSEEvent(data: "c", id: "1", retry: 250)])
    }

    @Test func byteOrderMarkOnlyAtTheStart() throws {
        var parser = SSEParser()
        let events = try parser.feed(Data("data: 1\n\n\u{FEFF}data: 2\n\n".utf8))
        // A BOM after the first line makes the field name "\u{FEFF}data", which is unknown.
        #expect(events == [SSEEvent(data: "1")])
    }
}
