public import Hummingbird

/// Runs each request's responder (middlewares and route handler) in a child task of the
/// connection's task.
///
/// Why a child task: Swift's task allocator puts async frames in ~1 KB slabs and keeps every
/// slab until its task ends, so a task holds the deepest stack it ever reached. Run in the
/// connection's own task, the request phase (auth, routing, body decoding, stream opening)
/// left ~35 KB of slabs per connection for as long as it lived, a streamed answer included
/// (heaptrack, bench/heap.sh). A child task frees them when the handler returns; the response
/// body is then written from the connection task's shallow stack.
///
/// The child starts on the connection's event loop (the global executor enqueues on the
/// current loop, `ConcurrencyPool`), and curl resumes it there (`CurlTransfer`), so it needs
/// no task executor preference: with one, every task switch looked the preference up under
/// the task's status lock (README, Performance).
public struct RequestTaskResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == AppRequestContext {
    public typealias Context = Base.Context
    let base: Base

    public init(_ base: Base) {
        self.base = base
    }

    @Sendable public func respond(to request: Request, context: Context) async throws -> Response {
        async let response = base.respond(to: request, context: context)
        return try await response
    }
}
