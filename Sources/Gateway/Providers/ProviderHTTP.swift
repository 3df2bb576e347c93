public import Net
import FoundationEssentials

/// What every adapter shares: sending JSON to an upstream through `HTTPFetching`, turning
/// failures into `ProviderError`, and opening streamed answers read as SSE events or lines.
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

    /// curl's receive buffer for streamed answers: events are small (a few hundred bytes) and a
    /// stream may stay open for minutes, so curl's minimum, 1 KB, instead of its 16 KB per open
    /// stream (heaptrack: the largest single allocation of an open stream). A read that brings
    /// more arrives in several callbacks, each handed on as its own chunk.
    public static let streamReceiveBufferBytes = 1 << 10

    /// Sends a request; a non-2xx answer becomes a ProviderError with the upstream's message.
    public func send(_ method: String, _ url: String, headers: [(name: String, value: String)], json: JSONValue? = nil,
                     receiveBufferBytes: Int? = nil) async throws -> OutgoingResponse {
        try await send(method, url, headers: headers, encodedJSON: json?.encoded(), receiveBufferBytes: receiveBufferBytes)
    }

    /// The same with a body a direct encoder already wrote (`OpenAIRequestEncoder`).
    func send(_ method: String, _ url: String, headers: [(name: String, value: String)], encodedJSON: Data?,
              receiveBufferBytes: Int? = nil) async throws -> OutgoingResponse {
        var allHeaders = headers
        if encodedJSON != nil { allHeaders.append((name: "Content-Type", value: "application/json")) }
        var request = OutgoingRequest(method: method, url: url, headers: allHeaders, body: encodedJSON, timeouts: timeouts)
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

    /// Sends and reads a whole answer's body.
    func body(_ method: String, _ url: String, headers: [(name: String, value: String)], encodedJSON: Data?) async throws -> Data {
        let response = try await send(method, url, headers: headers, encodedJSON: encodedJSON)
        do {
            return try await response.collect()
        } catch {
            throw ProviderError.from(error, provider: provider)
        }
    }

    /// Sends and decodes a whole JSON answer.
    public func json(_ method: String, _ url: String, headers: [(name: String, value: String)], json body: JSONValue? = nil) async throws -> JSONValue {
        let data = try await self.body(method, url, headers: headers, encodedJSON: body?.encoded())
        guard let value = JSONValue.parse(data) else {
            throw ProviderError(.invalidResponse, provider: provider, message: "upstream answered with invalid JSON")
        }
        return value
    }

    /// A streamed answer read by its consumer (`UpstreamEventReader`): the request is sent at
    /// the first read, and `decoder` turns the body into events. The request body goes with
    /// the sending closure once sent, so an open stream holds no copy of it.
    func stream<Decoder: UpstreamStreamDecoder>(_ url: String, headers: [(name: String, value: String)], json: JSONValue,
                                                decoder: Decoder) -> ChatEventStream {
        stream(url, headers: headers, encodedJSON: json.encoded(), decoder: decoder)
    }

    func stream<Decoder: UpstreamStreamDecoder>(_ url: String, headers: [(name: String, value: String)], encodedJSON: Data,
                                                decoder: Decoder) -> ChatEventStream {
        let http = self
        let reader = UpstreamEventReader(provider: provider, decoder: decoder) {
            try await http.send("POST", url, headers: headers, encodedJSON: encodedJSON, receiveBufferBytes: Self.streamReceiveBufferBytes)
        }
        return ChatEventStream(source: reader)
    }

    /// Upstream events and NDJSON lines are capped (a hostile upstream cannot grow memory).
    static let maxStreamEventBytes = 4 << 20

    public func invalid(_ message: String) -> ProviderError {
        ProviderError(.invalidResponse, provider: provider, message: message)
    }
}
