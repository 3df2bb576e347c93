public import FoundationEssentials

/// The seam for outgoing HTTP (providers, crawl, search). One real implementation
/// (`CurlHTTPClient`, libcurl multi); tests use a fake built from closures.
public protocol HTTPFetching: Sendable {
    /// Starts a request and returns once the response head has arrived. The body is read
    /// from `OutgoingResponse.body` as it streams in. Cancelling the calling task (or
    /// dropping the body sequence) aborts the transfer at once.
    func send(_ request: OutgoingRequest) async throws(OutgoingHTTPError) -> OutgoingResponse
}

/// An outgoing request with explicit limits: nothing waits forever, nothing grows unbounded.
public struct OutgoingRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    public var timeouts: Timeouts
    /// Redirects are not followed unless set; every hop goes through `allowAddress`.
    public var maxRedirects: Int
    /// The response body is cut off (error `.bodyTooLarge`) past this many bytes.
    public var maxResponseBytes: Int
    /// Checked against every resolved peer address (IPv4 dotted or IPv6 text) before a socket
    /// connects, on the first hop and every redirect: the SSRF guard. Nil allows all.
    public var allowAddress: (@Sendable (String) -> Bool)?
    /// A PEM file of extra trusted roots for https (the mesh CA, for peers whose API
    /// certificate it issued), trusted beside the system store. Nil: the system store only.
    public var certificateAuthorityFile: String?
    /// curl's receive buffer (CURLOPT_BUFFERSIZE, clamped to 1 KB...512 KB), allocated per
    /// transfer for its whole life; nil: curl's 16 KB. Small for long streams of small events.
    public var receiveBufferBytes: Int?

    public struct Timeouts: Sendable, Equatable {
        public var connect: Duration
        public var firstByte: Duration
        /// Longest silence between two body chunks.
        public var idle: Duration
        public var total: Duration

        public init(connect: Duration = .seconds(10), firstByte: Duration = .seconds(60),
                    idle: Duration = .seconds(60), total: Duration = .seconds(600)) {
            self.connect = connect
            self.firstByte = firstByte
            self.idle = idle
            self.total = total
        }
    }

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
                body: Data? = nil, timeouts: Timeouts = Timeouts(), maxRedirects: Int = 0,
                maxResponseBytes: Int = 64 << 20, allowAddress: (@Sendable (String) -> Bool)? = nil, certificateAuthorityFile: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.maxRedirects = maxRedirects
        self.maxResponseBytes = maxResponseBytes
        self.allowAddress = allowAddress
        self.certificateAuthorityFile = certificateAuthorityFile
    }
}

/// Status, headers, and the body as an async sequence of chunks in arrival order.
public struct OutgoingResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; repeated headers keep every value in order.
    public var headers: [(name: String, value: String)]
    public var body: ResponseBody
    /// The URL that finally answered (after redirects).
    public var url: String

    public init(status: Int, headers: [(name: String, value: String)], body: ResponseBody, url: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// Collects the whole body (bounded by the request's `maxResponseBytes`).
    public func collect() async throws(OutgoingHTTPError) -> Data {
        var data = Data()
        do {
            for try await chunk in body { data.append(chunk) }
        } catch let error as OutgoingHTTPError {
            throw error
        } catch {
            throw OutgoingHTTPError(.transport, "\(error)", url: url)
        }
        return data
    }
}

/// The body stream. A type-erased async sequence so fakes can produce it from an array.
///
/// Besides a stream it can wrap a pull function (`init(pull:)`): then the producer sees each
/// demand (backpressure) and a cancelled reader gets an error. A plain `AsyncThrowingStream`
/// ends with nil when its reader is cancelled, which would pass a cut-off body as complete.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = Data
    private let makeSource: @Sendable () -> AsyncIterator.Source
    private let abort: (@Sendable () -> Void)?

    public init(_ stream: AsyncThrowingStream<Data, any Error>) {
        // A stream may be iterated once; the box hands out that one stream.
        let box = OneShot(stream)
        self.makeSource = { box.take().map { .stream($0.makeAsyncIterator()) } ?? .ended }
        self.abort = nil
    }

    public init(chunks: [Data]) {
        self.makeSource = {
            .stream(AsyncThrowingStream { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            }.makeAsyncIterator())
        }
        self.abort = nil
    }

    /// `next` returns the next chunk, nil at the end; iterators made from this body share it.
    /// `cancel` aborts the producer from any thread; a read waiting in `next` then throws.
    public init(pull next: @escaping @Sendable () async throws -> Data?, cancel: (@Sendable () -> Void)? = nil) {
        self.makeSource = { .pull(next) }
        self.abort = cancel
    }

    /// Aborts the transfer behind the body, from any thread (a reader that is not a task to
    /// cancel: a client gone while its writer waits for the next chunk). Does nothing for
    /// bodies made from a stream or from chunks.
    public func cancel() { abort?() }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: makeSource())
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        enum Source {
            case stream(AsyncThrowingStream<Data, any Error>.AsyncIterator)
            case pull(@Sendable () async throws -> Data?)
            case ended
        }

        var source: Source

        public mutating func next() async throws -> Data? {
            switch source {
            case .stream(var iterator):
                let chunk = try await iterator.next(isolation: #isolation)
                source = chunk == nil ? .ended : .stream(iterator)
                return chunk
            case .pull(let next):
                return try await next()
            case .ended:
                return nil
            }
        }
    }
}

/// Why an outgoing request failed. `retryable` tells failover whether another upstream
/// may succeed where this one did not.
public struct OutgoingHTTPError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case invalidURL
        case invalidRequest // a method or header that cannot be sent as is
        case connect
        case connectTimeout
        case firstByteTimeout
        case idleTimeout
        case totalTimeout
        case tls
        case transport
        case bodyTooLarge
        case tooManyRedirects
        case blocked        // refused by a policy such as the SSRF guard
        case cancelled
    }

    public var code: Code
    public var message: String
    public var url: String

    public init(_ code: Code, _ message: String, url: String) {
        self.code = code
        self.message = message
        self.url = url
    }

    public var retryable: Bool {
        switch code {
        case .invalidURL, .invalidRequest, .bodyTooLarge, .blocked, .cancelled, .tooManyRedirects: false
        default: true
        }
    }

    public var description: String { "\(code) \(url): \(message)" }
}
