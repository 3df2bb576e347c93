public import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop that owns the request's connection.
///
/// Why: a request handler that awaits curl or SQLite is resumed by those threads. Without a
/// preference the resumption goes to the global executor and from there, to write the
/// answer, back to the connection's loop: two more thread wake-ups per request. With this
/// executor preferred, the handler resumes on the loop that writes its answer.
public final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
