import Testing
@testable import Gateway
import Net
import FoundationEssentials

/// The gateway reads upstream streams with Net's one SSE parser and one NDJSON parser
/// (issue 9 item 21: the old gateway decoder had no CR-only line ends and no BOM).
@Suite struct StreamDecodingTests {
    /// Hands every SSE event or NDJSON line on as a text delta, so a test sees what the
    /// parser produced through the reader every provider uses.
    struct EchoSSE: UpstreamStreamDecoder {
        var stopped: Bool { false }
        var complete: Bool { true }
        var cutOff: String { "" }
        typealias Items = SSEEventSequence.AsyncIterator
        mutating func decode(_ event: SSEEvent) throws -> [ChatEvent] { [.textDelta((event.event ?? "") + "|" + event.data)] }
    }

    struct EchoLines: UpstreamStreamDecoder {
        var stopped: Bool { false }
        var complete: Bool { true }
        var cutOff: String { "" }
        typealias Items = NDJSONLineSequence.AsyncIterator
        mutating func decode(_ line: Data) throws -> [ChatEvent] { [.textDelta(String(decoding: line, as: UTF8.self))] }
    }

    func texts<Decoder: UpstreamStreamDecoder>(_ chunks: [String], _ decoder: Decoder) async throws -> [String] {
        let body = ResponseBody(chunks: chunks.map { Data($0.utf8) })
        let reader = UpstreamEventReader(provider: "test", decoder: decoder) {
            OutgoingResponse(status: 200, headers: [], body: body, url: "http://127.0.0.1/")
        }
        var texts: [String] = []
        for try await event in ChatEventStream(source: reader) {
            if case .textDelta(let text) = event { texts.append(text) }
        }
        return texts
    }

    @Test func sseWithCROnlyLineEndsBOMAndComments() async throws {
        let seen = try await texts(["\u{FEFF}: keep-alive\rdata: {\"a\"", ":1}\r\r", "event: done\r\ndata: [DONE]\r\n\r\n", "data: cut"], EchoSSE())
        // The unterminated last event is not dispatched (WHATWG: the stream ended mid-event).
        #expect(seen == [#"|{"a":1}"#, "done|[DONE]"])
    }

    @Test func ndjsonWithCRLFBlankLinesAndNoFinalNewline() async throws {
        let lines = try await texts(["{\"a\":1}\r\n\r\n{\"b\"", ":2}\n{\"c\":3}"], EchoLines())
        #expect(lines == [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#])
    }

    @Test func oversizedUpstreamEventsAreInvalidResponses() async throws {
        let huge = String(repeating: "x", count: 1 << 20)
        let chunks = ["data: "] + Array(repeating: huge, count: 5)
        await #expect { try await texts(chunks, EchoSSE()) } throws: { error in
            (error as? ProviderError)?.code == .invalidResponse
        }
        await #expect { try await texts(Array(repeating: huge, count: 5), EchoLines()) } throws: { error in
            (error as? ProviderError)?.code == .invalidResponse
        }
    }
}
