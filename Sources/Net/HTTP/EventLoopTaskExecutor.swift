public import NIOCore

/// A task executor that runs every job on one NIO event loop.
///
/// A connection's handler runs with the executor of the loop that owns its socket as its
/// preference (`EventLoopAffineChannel`). Its nonisolated code, the default actors it calls
/// and the continuations resumed for it (curl's thread handing over a response head, a
/// SQLite pool thread returning rows) then all continue on that loop: the request reads,
/// works and writes on one thread instead of hopping to the cooperative pool and back at
/// every await (profile of issue 10: futex wake-ups and task switches between the two).
///
/// Invariant: code run here must not block; blocking work belongs on a thread pool
/// (SQLite, password hashing) or on its own thread (curl), as it already did.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) { self.loop = loop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // Run as this task executor (not as the loop's serial executor), so the runtime
        // knows the job already is where its task prefers to be and does not enqueue again.
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// The executor of the connection the current task serves, for unstructured tasks that
    /// work for it (`Task(executorPreference: EventLoopTaskExecutor.current)`): unstructured
    /// tasks do not inherit a preference. Nil outside a connection (tests, services).
    @TaskLocal public static var current: EventLoopTaskExecutor?
}
