import FoundationEssentials
import Synchronization

/// Outgoing HTTP on libcurl's multi interface: one event thread (`CurlEventLoop`) drives every
/// transfer, connections are kept alive and shared, HTTP/2 is used where TLS offers it.
///
/// `send` returns at the response head; the body streams with backpressure (a slow reader
/// pauses the transfer). All mutable state lives in the event loop and the transfers, each
/// guarded as documented there; this class holds only constants, hence plain `Sendable`.
public final class CurlHTTPClient: HTTPFetching {
    /// Client-wide settings; per-request limits are on `OutgoingRequest`.
    public struct Configuration: Sendable {
        /// Body bytes buffered per transfer before it is paused for a slow reader.
        public var bodyBufferBytes: Int
        /// Size of the idle connection cache (0: curl's default, 4 per transfer in flight).
        public var maxCachedConnections: Int

        public init(bodyBufferBytes: Int = 256 << 10, maxCachedConnections: Int = 0) {
            self.bodyBufferBytes = bodyBufferBytes
            self.maxCachedConnections = maxCachedConnections
        }
    }

    private let loop: CurlEventLoop
    private let configuration: Configuration

    public init(configuration: Configuration = Configuration()) throws(OutgoingHTTPError) {
        self.configuration = configuration
        loop = try CurlEventLoop(maxConnections: configuration.maxCachedConnections)
    }

    deinit { loop.shutdown() }

    /// True once the event thread has answered: it is not stuck in a callback. False after
    /// shutdown. Never returns while the thread hangs, so callers bound it with a deadline.
    public func ping() async -> Bool {
        await withCheckedContinuation { continuation in
            loop.enqueue(.ping { alive in continuation.resume(returning: alive) })
        }
    }

    public func send(_ request: OutgoingRequest) async throws(OutgoingHTTPError) -> OutgoingResponse {
        if let problem = Self.validate(request) { throw problem }
        let transfer = CurlTransfer(request: request, loop: loop, highWater: configuration.bodyBufferBytes)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { waiter in
                transfer.shared.withLock { $0.headWaiter = waiter }
                loop.enqueue(.start(transfer))
            }
        } onCancel: {
            transfer.cancel()
        }
        switch result {
        case .success(let response): return response
        case .failure(let failure): throw failure
        }
    }

    /// Rejects what curl would misread: NUL or CR/LF smuggled into the URL, method or headers.
    static func validate(_ request: OutgoingRequest) -> OutgoingHTTPError? {
        let url = request.url
        // Checked over each string's contiguous bytes (`allBytes`): this runs for every
        // upstream request, and a lowercased copy and UTF8View walks cost ~5,000 instructions.
        guard hasPrefixIgnoringCase(url, "http://") || hasPrefixIgnoringCase(url, "https://") else {
            return OutgoingHTTPError(.invalidURL, "only http and https URLs are fetched", url: url)
        }
        guard url.utf8.count > 8, allBytes(of: url, { $0 > 0x20 && $0 != 0x7F }) else {
            return OutgoingHTTPError(.invalidURL, "URL is empty or holds spaces or control characters", url: url)
        }
        guard !request.method.isEmpty, allBytes(of: request.method, isTokenByte) else {
            return OutgoingHTTPError(.invalidRequest, "invalid method \(request.method.debugDescription)", url: url)
        }
        for (name, value) in request.headers {
            guard !name.isEmpty, allBytes(of: name, isTokenByte) else {
                return OutgoingHTTPError(.invalidRequest, "invalid header name \(name.debugDescription)", url: url)
            }
            guard allBytes(of: value, { $0 != 0 && $0 != 0x0A && $0 != 0x0D }) else {
                return OutgoingHTTPError(.invalidRequest, "header \(name) has a control character", url: url)
            }
        }
        return nil
    }

    private static func allBytes(of text: String, _ predicate: (UInt8) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { $0.allSatisfy(predicate) }
    }

    /// `prefix` is lowercase ASCII.
    private static func hasPrefixIgnoringCase(_ text: String, _ prefix: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            prefix.withUTF8Buffer { wanted in
                bytes.count >= wanted.count && zip(bytes, wanted).allSatisfy { ((0x41...0x5A).contains($0) ? $0 | 0x20 : $0) == $1 }
            }
        }
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
