import HTTPTypes
public import Hummingbird
public import HummingbirdCore
public import Logging
import NIOHTTP1
public import NIOCore
import NIOPosix
public import ServiceLifecycle

/// The API port's server: Hummingbird's `Server` on `APIChannel` connections, answering with
/// `responder` (the router and its middlewares).
///
/// Why not `Application`: its closure runs every request inside a task-local logger scope
/// with a fresh logger carrying a request id, and a streamed answer is written from inside
/// that closure, so the scope's frames and the logger's metadata stayed allocated for as
/// long as each stream (a task-allocator slab and ~0.6 KB of heap per open stream,
/// bench/heap.sh), besides their cost on every request. `ErrorMiddleware` gives each request
/// its id and puts it in the logger.
public struct APIServer: Service {
    private let server: Server<APIChannel>

    public init<Responder: HTTPResponder>(
        responder: Responder, channel settings: APIChannel.Settings, address: BindAddress, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void
    ) where Responder.Context == AppRequestContext {
        let dates = HTTPDate()
        let channel = APIChannel(settings: settings) { request, channel in
            try await Self.respond(to: request, responder: responder, channel: channel, logger: logger, dates: dates)
        }
        server = Server(childChannelSetup: channel, configuration: ServerConfiguration(address: address),
                        onServerRunning: onServerRunning, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    }

    /// Runs the responder (middlewares and route handler) in a child task of the
    /// connection's task.
    ///
    /// Why a child task: Swift's task allocator puts async frames in ~1 KB slabs and keeps
    /// every slab until its task ends, so a task holds the deepest stack it ever reached. Run
    /// in the connection's own task, the request phase (auth, routing, body decoding, stream
    /// opening) left ~35 KB of slabs per connection for as long as it lived, a streamed answer
    /// included (heaptrack, bench/heap.sh). A child task frees them when the handler returns;
    /// the response body is then written from the connection task's shallow stack.
    ///
    /// The child starts on the connection's event loop (the global executor enqueues on the
    /// current loop, `ConcurrencyPool`), and curl resumes it there (`CurlTransfer`), so it
    /// needs no task executor preference: with one, every task switch looked the preference
    /// up under the task's status lock (README, Performance). An `async let` rather than an
    /// unstructured task: its frames are in the connection task's slabs, which the answer's
    /// writing reuses; a separate task's would be extra (measured: 0.7 KB more per stream).
    @inline(never) @concurrent
    private static func respond<Responder: HTTPResponder>(
        to request: Request, responder: Responder, channel: any Channel, logger: Logger, dates: HTTPDate
    ) async throws -> Response where Responder.Context == AppRequestContext {
        let context = AppRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        var response: Response
        do {
            async let answer = responder.respond(to: request, context: context)
            response = try await answer
        } catch let error as HTTPParserError {
            // The loop answers 400 and closes the connection.
            throw error
        } catch {
            // ErrorMiddleware maps every error to an answer; this is its backstop.
            logger.error("request failed outside the error middleware", metadata: ["error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        response.headers.append(HTTPField(name: .date, value: dates.now))
        return response
    }

    public func run() async throws {
        try await server.run()
    }
}
