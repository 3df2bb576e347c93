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

        /// Every event completed by the next body chunk (at least one), so a caller can hand
        /// them on together; nil at the end.
        public mutating func nextBatch() async throws -> [SSEEvent]? {
            if nextIndex < ready.count {
                defer { ready = []; nextIndex = 0 }
                return Array(ready[nextIndex...])
            }
            while true {
                guard let chunk = try await chunks.next() else { return nil }
                let events = try parser.feed(chunk)
                if !events.isEmpty { return events }
            }
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
                ready = try await readLines()
            }
            defer { nextIndex += 1 }
            return ready[nextIndex]
        }

        /// Every line completed by the next body chunk (at least one), so a caller can hand
        /// them on together; nil at the end.
        public mutating func nextBatch() async throws -> [Data]? {
            if nextIndex < ready.count {
                defer { ready = []; nextIndex = 0 }
                return Array(ready[nextIndex...])
            }
            while !ended {
                let lines = try await readLines()
                if !lines.isEmpty { return lines }
            }
            return nil
        }

        private mutating func readLines() async throws -> [Data] {
            if let chunk = try await chunks.next() { return try parser.feed(chunk) }
            ended = true
            return parser.finish().map { [$0] } ?? []
        }
    }
}
