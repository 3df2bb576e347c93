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

    /// Sends a request; a non-2xx answer becomes a ProviderError with the upstream's message.
    public func send(_ method: String, _ url: String, headers: [(name: String, value: String)], json: JSONValue? = nil) async throws -> OutgoingResponse {
        var allHeaders = headers
        if json != nil { allHeaders.append((name: "Content-Type", value: "application/json")) }
        let request = OutgoingRequest(method: method, url: url, headers: allHeaders, body: json?.encoded(), timeouts: timeouts)
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

    /// Runs `produce` in a task feeding a stream; cancelling the consumer cancels the task,
    /// which aborts the upstream transfer.
    public func makeStream(_ produce: @escaping @Sendable (AsyncThrowingStream<ChatEvent, any Error>.Continuation) async throws -> Void) -> AsyncThrowingStream<ChatEvent, any Error> {
        let provider = self.provider
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ChatEvent.self)
        let task = Task {
            do {
                try await produce(continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: ProviderError.wrap(error, provider: provider))
            }
        }
        continuation.onTermination = { termination in
            // Only a consumer that went away cancels; finishing must not cancel what follows it.
            if case .cancelled = termination { task.cancel() }
        }
        return stream
    }

    /// Upstream events and NDJSON lines are capped (a hostile upstream cannot grow memory).
    static let maxStreamEventBytes = 4 << 20

    /// Reads an SSE body (Net's WHATWG event-stream parser), calling `handle` per event;
    /// read errors become `.interrupted`, an oversized event `.invalidResponse`.
    public func forEachSSE(_ response: OutgoingResponse, _ handle: (SSEEvent) throws -> Bool) async throws {
        do {
            for try await event in response.body.sseEvents(maxEventBytes: Self.maxStreamEventBytes) {
                if try !handle(event) { return }
            }
        } catch {
            throw streamFailure(error)
        }
    }

    /// Reads an NDJSON body line by line (blank lines skipped, a final unterminated line kept).
    public func forEachLine(_ response: OutgoingResponse, _ handle: (String) throws -> Bool) async throws {
        do {
            for try await line in response.body.ndjsonLines(maxLineBytes: Self.maxStreamEventBytes) {
                if try !handle(String(decoding: line, as: UTF8.self)) { return }
            }
        } catch {
            throw streamFailure(error)
        }
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
