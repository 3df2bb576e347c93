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

    /// Reads an SSE body, calling `handle` per event; read errors become `.interrupted`.
    public func forEachSSE(_ response: OutgoingResponse, _ handle: (SSEEvent) throws -> Bool) async throws {
        var decoder = SSEDecoder()
        do {
            for try await chunk in response.body {
                for event in try decoder.feed(chunk) { if try !handle(event) { return } }
            }
        } catch let error as ProviderError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw ProviderError(.interrupted, provider: provider, message: "stream broke: \(error)")
        }
        for event in decoder.finish() { if try !handle(event) { return } }
    }

    /// Reads an NDJSON body line by line.
    public func forEachLine(_ response: OutgoingResponse, _ handle: (String) throws -> Bool) async throws {
        var decoder = LineDecoder()
        do {
            for try await chunk in response.body {
                for line in try decoder.feed(chunk) where !line.isEmpty { if try !handle(line) { return } }
            }
        } catch let error as ProviderError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw ProviderError(.interrupted, provider: provider, message: "stream broke: \(error)")
        }
        if let line = decoder.finish(), !line.isEmpty { _ = try handle(line) }
    }

    public func invalid(_ message: String) -> ProviderError {
        ProviderError(.invalidResponse, provider: provider, message: message)
    }
}
