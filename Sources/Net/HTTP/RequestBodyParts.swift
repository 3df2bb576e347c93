public import HummingbirdCore
public import NIOCore
import NIOConcurrencyHelpers
import NIOHTTPTypes

/// One request's body as Hummingbird's `RequestBody` reads it: the `.body` parts of the
/// connection's inbound stream up to the request's `.end`. It can be iterated once; a second
/// iterator is empty (the parts are gone), as with Hummingbird's own request body.
///
/// `@unchecked Sendable`: the iterator is the connection's, shared by copy with the
/// connection loop (`APIChannel+Requests`), which reads again only once the request's answer
/// is written; while the request runs its body has one reader at a time.
struct RequestBodyParts: AsyncSequence, @unchecked Sendable {
    typealias Element = ByteBuffer
    typealias Parts = NIOAsyncChannelInboundStream<HTTPRequestPart>.AsyncIterator

    private let parts: Parts
    private let iterated = NIOLockedValueBox(false)

    init(_ parts: Parts) {
        self.parts = parts
    }

    func makeAsyncIterator() -> AsyncIterator {
        let first = iterated.withLockedValue { iterated in
            defer { iterated = true }
            return !iterated
        }
        return AsyncIterator(parts: parts, done: !first)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var parts: Parts
        var done: Bool

        @concurrent  // NIO's iterator is not `Sendable`; its `next()` runs on the generic executor
        mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            switch try await parts.next() {
            case .body(let buffer):
                return buffer
            case .end, nil:
                done = true
                return nil
            case .head:
                throw APIChannel.UnexpectedPart()
            }
        }
    }
}
