public import Net
import FoundationEssentials

/// What every adapter shares: sending JSON to an upstream through `HTTPFetching`, turning
/// failures into `ProviderError`, and reading streamed bodies as SSE events or lines.
public struct ProviderHTTP: Sendable {
    public let provider: String
    public let fetcher: any HTTPFetching
    public let timeouts: OutgoingRequest.Timeouts

    public init(provider: String, fetcher: any HTTPFetching,
                timeouts: OutgoingRequest.Timeouts = .init(connect: .seconds(5), firstByte: .seconds(60), idle: .seconds(60), total: .seconds(600))) {
        self.provider = provider
        self.fetcher = fetcher
        self.timeouts = timeouts
    }

    /// curl's receive buffer for streamed answers: events are small and a stream may stay open
    /// for minutes, so 4 KB instead of curl's 16 KB per open stream (heaptrack: the largest
    /// single allocation of an open stream).
    public static let streamReceiveBufferBytes = 4 << 10

    /// Sends a request; a non-2xx answer becomes a ProviderError with the upstream's message.
    public func send(_ method: String, _ url: String, headers: [(name: String, value: String)], json: JSONValue? = nil,
                     receiveBufferBytes: Int? = nil) async throws -> OutgoingResponse {
        var allHeaders = headers
        if json != nil { allHeaders.append((name: "Content-Type", value: "application/json")) }
        var request = OutgoingRequest(method: method, url: url, headers: allHeaders, body: json?.encoded(), timeouts: timeouts)
        request.receiveBufferBytes = receiveBufferBytes
        let response: OutgoingResponse
        do {
            response = try await fetcher.send(request)
        } catch {
            throw ProviderError.from(error, provider: provider)
        }
        guard (200..<300).contains(response.status) else {
            // The error body is small; bound it anyway.
            var body = Data()
            do {
                for try await chunk in response.body {
                    body.append(chunk)
                    if body.count > 16_384 { break }
                }
            } catch {}
            throw ProviderError.fromStatus(response.status, body: String(decoding: body, as: UTF8.self),
                                           provider: provider, retryAfterHeader: response.header("retry-after"))
        }
        return response
    }

    /// Sends and decodes a whole JSON answer.
    public func json(_ method: String, _ url: String, headers: [(name: String, value: String)], json body: JSONValue? = nil) async throws -> JSONValue {
        let response = try await send(method, url, headers: headers, json: body)
        let data: Data
        do {
            data = try await response.collect()
        } catch {
            throw ProviderError.from(error, provider: provider)
        }
        guard let value = JSONValue.parse(data) else {
            throw ProviderError(.invalidResponse, provider: provider, message: "upstream answered with invalid JSON")
        }
        return value
    }

    /// Runs `produce` in a task feeding a stream paced by its consumer; a consumer that goes
    /// away cancels the task, which aborts the upstream transfer. Adapters capture their
    /// request body in a `OneShot` taken at `send`, so an open stream holds no copy of it.
    public func makeStream(_ produce: @escaping @Sendable (ChatEventSink) async throws -> Void) -> ChatEventStream {
        let provider = self.provider
        return .producing { sink in
            do {
                try await produce(sink)
            } catch {
                throw ProviderError.wrap(error, provider: provider)
            }
        }
    }

    /// Upstream events and NDJSON lines are capped (a hostile upstream cannot grow memory).
    static let maxStreamEventBytes = 4 << 20

    /// Reads an SSE body (Net's WHATWG event-stream parser), calling `handle` per event;
    /// read errors become `.interrupted`, an oversized event `.invalidResponse`. Waits on
    /// `pacing` before each upstream read, so a slow consumer stops the reads (and curl pauses
    /// the transfer) instead of events piling up in memory; the events one read completes are
    /// handled inside `pacing.batch`, so the consumer wakes once per read, not per event.
    public func forEachSSE(_ response: OutgoingResponse, pacing: ChatEventSink? = nil, _ handle: (SSEEvent) throws -> Bool) async throws {
        do {
            var events = response.body.sseEvents(maxEventBytes: Self.maxStreamEventBytes).makeAsyncIterator()
            while true {
                try await pacing?.ready()
                guard let batch = try await events.nextBatch() else { break }
                if try !Self.handleAll(batch, pacing: pacing, handle) { return }
            }
        } catch {
            throw streamFailure(error)
        }
    }

    /// Reads an NDJSON body line by line (blank lines skipped, a final unterminated line kept),
    /// paced and batched like `forEachSSE`.
    public func forEachLine(_ response: OutgoingResponse, pacing: ChatEventSink? = nil, _ handle: (String) throws -> Bool) async throws {
        do {
            var lines = response.body.ndjsonLines(maxLineBytes: Self.maxStreamEventBytes).makeAsyncIterator()
            while true {
                try await pacing?.ready()
                guard let batch = try await lines.nextBatch() else { break }
                if try !Self.handleAll(batch, pacing: pacing, { try handle(String(decoding: $0, as: UTF8.self)) }) { return }
            }
        } catch {
            throw streamFailure(error)
        }
    }

    /// Hands every item of one upstream read to `handle` with the consumer's wake-up held
    /// until the last; false once `handle` says stop.
    private static func handleAll<Item>(_ items: [Item], pacing: ChatEventSink?, _ handle: (Item) throws -> Bool) throws -> Bool {
        func run() throws -> Bool {
            for item in items { if try !handle(item) { return false } }
            return true
        }
        guard let pacing else { return try run() }
        return try pacing.batch(run)
    }

    private func streamFailure(_ error: any Error) -> any Error {
        if error is ProviderError || error is CancellationError { return error }
        if Task.isCancelled { return CancellationError() }
        if let error = error as? StreamParseError { return invalid("stream: \(error)") }
        return ProviderError(.interrupted, provider: provider, message: "stream broke: \(error)")
    }

    public func invalid(_ message: String) -> ProviderError {
        ProviderError(.invalidResponse, provider: provider, message: message)
    }
}
