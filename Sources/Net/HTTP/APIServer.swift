import HTTPTypes
public import Hummingbird
public import HummingbirdCore
public import Logging
import NIOHTTP1
public import NIOCore
import NIOPosix
public import ServiceLifecycle

/// The API port's server: Hummingbird's `Server` on the channel `builder` makes, with a
/// request closure of our own in place of `Application`'s.
///
/// Why not `Application`: its closure runs every request inside a task-local logger scope
/// with a fresh logger carrying a request id, and a streamed answer is written from inside
/// that closure, so the scope's frames and the logger's metadata stayed allocated for as
/// long as each stream (a task-allocator slab and ~0.6 KB of heap per open stream,
/// bench/heap.sh), besides their cost on every request. `ErrorMiddleware` gives each request
/// its id and puts it in the logger.
public struct APIServer: Service {
    private let server: any Service

    public init<Responder: HTTPResponder>(
        responder: Responder, builder: HTTPServerBuilder, address: BindAddress, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void
    ) throws where Responder.Context == AppRequestContext {
        let dates = HTTPDate()
        server = try builder.buildServer(
            configuration: ServerConfiguration(address: address), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger, responder: { request, writer, channel in
                // Two calls, not one body: a streamed answer is written from inside `write`,
                // and what `respond` needed is off the task's stack by then.
                let response = try await Self.respond(to: request, responder: responder, channel: channel, logger: logger, dates: dates)
                try await Self.write(response, to: writer)
            }, onServerRunning: onServerRunning)
    }

    @inline(never) @concurrent
    private static func respond<Responder: HTTPResponder>(
        to request: Request, responder: Responder, channel: any Channel, logger: Logger, dates: HTTPDate
    ) async throws -> Response where Responder.Context == AppRequestContext {
        let context = AppRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        var response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as HTTPParserError {
            // Hummingbird answers 400 and closes the connection.
            throw error
        } catch {
            // ErrorMiddleware maps every error to an answer; this is its backstop.
            logger.error("request failed outside the error middleware", metadata: ["error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        response.headers.append(HTTPField(name: .date, value: dates.now))
        return response
    }

    /// A body of one buffer leaves with its head in one write; a streamed one is written as
    /// its closure produces it.
    @inline(never) @concurrent
    private static func write(_ response: consuming Response, to writer: consuming ResponseWriter) async throws {
        do {
            try await writer.write(response: response.head, body: response.body)
        } catch is HTTPParserError {
            // The request's body broke while the answer was being written: passed on as a
            // parse error, Hummingbird would write a second response.
            throw ResponseAbandoned()
        }
    }

    public func run() async throws {
        try await server.run()
    }

    /// Ends the connection without another response.
    struct ResponseAbandoned: Error {}
}
