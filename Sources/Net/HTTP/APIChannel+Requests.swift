public import HTTPTypes
public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOHTTPTypes

/// The requests of a connection that stayed HTTP, one after another (HTTP/1.1 without
/// pipelining), as Hummingbird's `handleHTTP` serves them: a parse error is answered 400 and
/// closes the connection, `Connection: close` closes it after the answer, what a handler left
/// of a request's body is skipped before the next head, and shutdown closes the input so the
/// request in progress finishes and no other starts.
///
/// Why not `handleHTTP`: a streamed answer is written from the bottom of the connection
/// task's call chain, and a task keeps every allocator slab its chain reached
/// (`APIServer.respond`), so every frame above the answer is held for as long as the stream
/// is open. `handleHTTP` and the responder closure it calls held 3.5 KB of slabs per open
/// stream (bench/heap.sh); here each level holds only what it still needs once the answer
/// is being written.
extension APIChannel {
    typealias Parts = NIOAsyncChannelInboundStream<HTTPRequestPart>.AsyncIterator
    typealias Outbound = NIOAsyncChannelOutboundWriter<HTTPResponsePart>

    /// A request part where another was due (a body before any head, a head inside a body).
    struct UnexpectedPart: Error {}

    /// Ends the connection without another response.
    struct ResponseAbandoned: Error {}

    func serveHTTP(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        let channel = http.channel
        do {
            try await withTaskCancellationHandler {
                try await http.executeThenClose { inbound, outbound in
                    try await serveRequests(inbound.makeAsyncIterator(), outbound, channel: channel, logger: logger)
                }
            } onCancel: {
                channel.close(mode: .input, promise: nil)
            }
        } catch {
            logger.trace("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    // `@concurrent` here and below: NIO's iterator is not `Sendable`, and its `next()` runs
    // on the generic executor, as these do (Net defaults to the caller's executor).
    @inline(never) @concurrent
    private func serveRequests(_ parts: Parts, _ outbound: Outbound, channel: any Channel, logger: Logger) async throws {
        var parts = parts
        do {
            guard let first = try await parts.next() else { return }
            guard case .head(var head) = first else { throw UnexpectedPart() }
            while try await exchange(head, parts, outbound, channel: channel), let next = try await Self.nextHead(&parts) {
                head = next
            }
        } catch is HTTPParserError {
            logger.debug("HTTP parse error, closing connection")
            try await outbound.write(contentsOf: [.head(Self.malformed), .end(nil)])
        }
        outbound.finish()
        try await channel.closeFuture.get()
    }

    /// One request and its answer; false when the connection closes after it.
    @inline(never) @concurrent
    private func exchange(_ head: HTTPRequest, _ parts: Parts, _ outbound: Outbound, channel: any Channel) async throws -> Bool {
        let close = head.headerFields[.connection] == "close"
        let request = Request(head: head, body: RequestBody(asyncSequence: RequestBodyParts(parts)))
        try await Self.write(try await respond(request, channel), to: outbound)
        return !close
    }

    /// A body of one buffer leaves with its head in one write; a streamed one is written as
    /// its closure produces it.
    @inline(never) @concurrent
    private static func write(_ response: consuming Response, to outbound: Outbound) async throws {
        do {
            try await ResponseWriter(outbound: outbound).write(response: response.head, body: response.body)
        } catch is HTTPParserError {
            // The request's body broke while the answer was being written: passed on as a
            // parse error, the loop would write a second response.
            throw ResponseAbandoned()
        }
    }

    /// The next request's head once what is left of the last one's body is skipped; nil
    /// when the peer is done.
    @inline(never) @concurrent
    private static func nextHead(_ parts: inout Parts) async throws -> HTTPRequest? {
        var part = try await parts.next()
        while case .body = part { part = try await parts.next() }
        if case .end = part { part = try await parts.next() }
        guard let part else { return nil }
        guard case .head(let head) = part else { throw UnexpectedPart() }
        return head
    }

    private static let malformed = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
}
