internal import CMalloc

/// glibc's heap as the process sees it. Freed memory stays inside malloc's arenas (one per
/// thread that allocated, up to 8 per core) for reuse: after a burst of connections closes,
/// resident memory stays at the burst's level until `trim()` hands the free pages back.
public enum MallocHeap {
    /// Returns the free pages of every arena to the system (`malloc_trim(0)`: `madvise`
    /// on whole free pages, the top of each heap shrunk). Takes each arena's lock in turn and
    /// costs milliseconds on a large heap: call it off the event loops, rarely.
    /// True when memory was released.
    @discardableResult
    public static func trim() -> Bool { malloc_trim(0) == 1 }

    /// Caps the number of arenas new threads may create (`mallopt(M_ARENA_MAX)`), unless
    /// `MALLOC_ARENA_MAX` in the environment already set it. Call first thing in `main`:
    /// arenas made before stay. Why one arena for the server: an open stream's memory is
    /// allocated on an event loop, on curl's thread and on the pool's threads, and with an
    /// arena per thread each arena kept its own partly used pages: with 1,000 streams open the
    /// node held ~5 MB more (bench/memory.sh), while glibc's per-thread caches still spare most
    /// allocations the arena's lock.
    public static func limitArenas(to count: Int32, environment: [String: String]) {
        guard environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, count)
    }

    /// Bytes in free chunks inside malloc's arenas (`mallinfo2().fordblks`), resident or
    /// already trimmed. Walks every arena's bins under its lock: not for hot paths.
    public static func freeBytes() -> Int64 { Int64(clamping: mallinfo2().fordblks) }
}
