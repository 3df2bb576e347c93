public import ServiceLifecycle

/// Stops a test server's service group without cancelling its serving task while it can still
/// accept: NIO traps ("Deinited NIOAsyncWriter without calling finish()") when a cancelled
/// server drops a connection it accepted but never handed out (apple/swift-nio#2637). A
/// graceful shutdown closes the listener first; cancellation stays a last resort for a server
/// that does not finish draining within `deadline` (a test holding a request open).
public func stopGracefully(_ group: ServiceGroup, _ running: Task<Void, any Error>,
                           deadline: Duration = .seconds(15)) async {
    await group.triggerGracefulShutdown()
    let watchdog = Task {
        try await Task.sleep(for: deadline)
        running.cancel()
    }
    _ = try? await running.value
    watchdog.cancel()
}
