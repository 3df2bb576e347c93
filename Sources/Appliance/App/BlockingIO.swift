import NIOPosix

/// Work that blocks a thread (reading and hashing a release binary, fsync, `malloc_trim`)
/// runs on NIO's blocking-I/O pool: tasks run on the event loops (`ConcurrencyPool`), and
/// there a 100 ms read would stall every connection of that loop.
enum BlockingIO {
    static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result = try? await NIOThreadPool.singleton.runIfActive { Result<T, E> { () throws(E) -> T in try body() } }
        // Only a pool already shut down gives nil: then the caller's thread does the work.
        return try (result ?? Result<T, E> { () throws(E) -> T in try body() }).get()
    }
}
