import Glibc

/// Progress of an operation that writes one file towards an expected size (`db backup`'s
/// VACUUM INTO has no progress callback, but its output grows page by page). Redraws one
/// line on a terminal, prints a line every few seconds otherwise; all on stderr.
struct FileGrowthProgress: Sendable {
    let label: String
    let path: String
    let expectedBytes: Int64

    /// Runs `work` while reporting; the report stops when it ends, either way.
    func run<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        let reporter = Task { await report() }
        defer { reporter.cancel() }
        let result = try await work()
        reporter.cancel()
        _ = await reporter.value
        Terminal.note(line(written: Self.size(of: path) ?? 0, done: true) + "\n")
        return result
    }

    private func report() async {
        let terminal = isatty(STDERR_FILENO) == 1
        var ticks = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            guard !Task.isCancelled else { break }
            ticks += 1
            let written = Self.size(of: path) ?? 0
            if terminal {
                Terminal.note("\r" + line(written: written, done: false) + "   ")
            } else if ticks % 12 == 0 {
                Terminal.note(line(written: written, done: false) + "\n")
            }
        }
        if terminal { Terminal.note("\r") }
    }

    func line(written: Int64, done: Bool) -> String {
        // The copy leaves free pages out, so it may end smaller than the source: cap at 99 % until done.
        let percent = done ? 100 : expectedBytes > 0 ? min(99, Int(written * 100 / expectedBytes)) : 0
        return "\(label): \(percent)% (\(Self.megabytes(written)) of about \(Self.megabytes(expectedBytes)))"
    }

    static func megabytes(_ bytes: Int64) -> String {
        let tenths = bytes * 10 / 1_048_576
        return "\(tenths / 10).\(tenths % 10) MB"
    }

    static func size(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}
