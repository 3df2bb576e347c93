import CConcurrencyHook
import NIOCore
import NIOPosix

/// Where Swift tasks run in `triforce serve`: on the NIO event loops that do the I/O.
///
/// Why: with Swift's default pool every request crossed threads four times (event loop →
/// pool thread for the handler → curl thread → pool thread → event loop for the write), and
/// on a one- or two-core VPS each crossing is a futex wake and a context switch. With the
/// event loops as the global executor, and curl resuming a handler on the loop it sent from
/// (`CurlTransfer`), a request is read, handled and written on one thread: 12 → 4.1 context
/// switches per request at one client (README, Performance).
///
/// The cost: work that blocks a thread now blocks an event loop. Nothing on our paths does:
/// SQLite, password hashing and curl own their threads, processes are polled, and the rest
/// goes through `BlockingIO`.
///
/// `TRIFORCE_CONCURRENCY_POOL=swift` keeps Swift's own pool (both halves). The mesh actor
/// runs on a thread of its own (`MeshService.thread`): on a shared loop a flood on one link
/// delayed SWIM's acks from the others past the probe timeout.
///
/// NIO's own installer finds the runtime's hook with `dlsym`, which fails in the static
/// release binary (the hook is a hidden symbol there), so the hook is set from C inside our
/// link (`CConcurrencyHook`). The hook enqueues on the current loop when called from one
/// (`EventLoopGroup.any()` is sticky), else on the next.
enum ConcurrencyPool {
    typealias EnqueueGlobalHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Swift's generic executor (the runtime's `SerialExecutorRef::generic()`, no identity),
    /// which the standard library does not spell publicly: `UnownedSerialExecutor` is two
    /// words (its own `==` compares them as `(Int, Int)`), both zero for the generic one.
    ///
    /// Why global jobs run on it, not on the loop as a serial executor (NIO's own
    /// `enqueue(ExecutorJob)`): a job run "on the loop" has the loop as its current executor,
    /// so each hop back to nonisolated code (after an actor call, a continuation,
    /// `withTaskCancellationHandler`) did not match and went through the loop's task queue
    /// again, ~35 times per chat request (callgrind). Run as generic, such a hop continues
    /// inline on the same thread.
    static let generic = unsafeBitCast((0, 0), to: UnownedSerialExecutor.self)

    static func isEnabled(_ environment: [String: String]) -> Bool {
        environment["TRIFORCE_CONCURRENCY_POOL"] != "swift"
    }

    static func install(environment: [String: String]) -> String {
        guard isEnabled(environment) else { return "swift" }
        // `ConcurrencyPool.` spelled out: Swift 6.3's sendability pass crashes on an implicit
        // `Self` in this thin closure.
        let hook: EnqueueGlobalHook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().execute { job.runSynchronously(on: ConcurrencyPool.generic) }
        }
        withUnsafeTemporaryAllocation(of: EnqueueGlobalHook.self, capacity: 1) { slot in
            slot.initialize(repeating: hook)
            slot.withMemoryRebound(to: UnsafeRawPointer.self) { triforce_set_enqueue_global_hook($0[0]) }
        }
        return "event-loops"
    }
}
