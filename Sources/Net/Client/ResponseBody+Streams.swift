public import FoundationEssentials

extension ResponseBody {
    /// The body decoded as server-sent events, pulled chunk by chunk (backpressure intact).
    public func sseEvents(maxEventBytes: Int = 1 << 20) -> SSEEventSequence {
        SSEEventSequence(body: self, parser: SSEParser(maxEventBytes: maxEventBytes))
    }

    /// The body split into NDJSON lines, pulled chunk by chunk (backpressure intact).
    public func ndjsonLines(maxLineBytes: Int = 1 << 20) -> NDJSONLineSequence {
        NDJSONLineSequence(body: self, parser: NDJSONParser(maxLineBytes: maxLineBytes))
    }
}

/// Server-sent events read from a `ResponseBody`; errors are the body's or `StreamParseError`.
public struct SSEEventSequence: AsyncSequence, Sendable {
    public typealias Element = SSEEvent
    let body: ResponseBody
    let parser: SSEParser

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator(), parser: parser)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: ResponseBody.AsyncIterator
        var parser: SSEParser
        var ready: [SSEEvent] = []
        var nextIndex = 0

        public mutating func next() async throws -> SSEEvent? {
            while nextIndex == ready.count {
                guard let chunk = try await chunks.next() else { return nil }
                ready = try parser.feed(chunk)
                nextIndex = 0
            }
            defer { nextIndex += 1 }
            return ready[nextIndex]
        }
    }
}

/// NDJSON lines read from a `ResponseBody`; errors are the body's or `StreamParseError`.
public struct NDJSONLineSequence: AsyncSequence, Sendable {
    public typealias Element = Data
    let body: ResponseBody
    let parser: NDJSONParser

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator(), parser: parser)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: ResponseBody.AsyncIterator
        var parser: NDJSONParser
        var ready: [Data] = []
        var nextIndex = 0
        var ended = false

        public mutating func next() async throws -> Data? {
            while nextIndex == ready.count {
                if ended { return nil }
                nextIndex = 0
                if let chunk = try await chunks.next() {
                    ready = try parser.feed(chunk)
                } else {
                    ended = true
                    ready = parser.finish().map { [$0] } ?? []
                }
            }
            defer { nextIndex += 1 }
            return ready[nextIndex]
        }
    }
}
