public import Hummingbird

/// Runs each request's responder (middlewares and route handler) in a child task of the
/// connection's task, on the connection's event loop.
///
/// Why a child task: Swift's task allocator puts async frames in ~1 KB slabs and keeps every
/// slab until its task ends, so a task holds the deepest stack it ever reached. Run in the
/// connection's own task, the request phase (auth, routing, body decoding, stream opening)
/// left ~35 KB of slabs per connection for as long as it lived, a streamed answer included
/// (heaptrack, bench/heap.sh). A child task frees them when the handler returns; the response
/// body is then written from the connection task's shallow stack.
///
/// Why the event loop: the handler awaits curl and SQLite, whose threads resume it. Preferring
/// the connection's loop (`EventLoopTaskExecutor`) resumes it where its answer is written,
/// instead of on another thread that then hands the write to the loop (README, Performance).
public struct RequestTaskResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == AppRequestContext {
    public typealias Context = Base.Context
    let base: Base
    /// Only with the event loops as the global executor: alone, the preference moves the
    /// thread hops instead of removing them (README, Performance).
    let preferEventLoop: Bool

    public init(_ base: Base, preferEventLoop: Bool) {
        self.base = base
        self.preferEventLoop = preferEventLoop
    }

    @Sendable public func respond(to request: Request, context: Context) async throws -> Response {
        guard preferEventLoop else {
            async let response = base.respond(to: request, context: context)
            return try await response
        }
        return try await withTaskExecutorPreference(EventLoopTaskExecutor(context.eventLoop)) {
            async let response = base.respond(to: request, context: context)
            return try await response
        }
    }
}
