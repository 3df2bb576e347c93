import Testing
import Gateway
import Net
import FoundationEssentials

/// The gateway reads upstream streams with Net's one SSE parser and one NDJSON parser
/// (issue 9 item 21: the old gateway decoder had no CR-only line ends and no BOM).
@Suite struct StreamDecodingTests {
    struct NoFetcher: HTTPFetching {
        func send(_ request: OutgoingRequest) async throws(OutgoingHTTPError) -> OutgoingResponse {
            throw OutgoingHTTPError(.connect, "not used", url: request.url)
        }
    }

    let http = ProviderHTTP(provider: "test", fetcher: NoFetcher())

    func response(_ chunks: [String]) -> OutgoingResponse {
        OutgoingResponse(status: 200, headers: [], body: ResponseBody(chunks: chunks.map { Data($0.utf8) }), url: "http://127.0.0.1/")
    }

    @Test func sseWithCROnlyLineEndsBOMAndComments() async throws {
        var seen: [SSEEvent] = []
        try await http.forEachSSE(response(["\u{FEFF}: keep-alive\rdata: {\"a\"", ":1}\r\r", "event: done\r\ndata: [DONE]\r\n\r\n", "data: cut"])) { event in
            seen.append(event)
            return true
        }
        // The unterminated last event is not dispatched (WHATWG: the stream ended mid-event).
        #expect(seen == [SSEEvent(data: #"{"a":1}"#), SSEEvent(event: "done", data: "[DONE]")])
    }

    @Test func ndjsonWithCRLFBlankLinesAndNoFinalNewline() async throws {
        var lines: [String] = []
        try await http.forEachLine(response(["{\"a\":1}\r\n\r\n{\"b\"", ":2}\n{\"c\":3}"])) { line in
            lines.append(line)
            return true
        }
        #expect(lines == [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#])
    }

    @Test func oversizedUpstreamEventsAreInvalidResponses() async throws {
        let huge = String(repeating: "x", count: 1 << 20)
        let chunks = ["data: "] + Array(repeating: huge, count: 5)
        await #expect { try await http.forEachSSE(response(chunks)) { _ in true } } throws: { error in
            (error as? ProviderError)?.code == .invalidResponse
        }
        await #expect { try await http.forEachLine(response(Array(repeating: huge, count: 5))) { _ in true } } throws: { error in
            (error as? ProviderError)?.code == .invalidResponse
        }
    }
}
