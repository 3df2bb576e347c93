import Glibc
import FoundationEssentials
import Net

/// Runs a program with posix_spawn in its own process group, a given environment and
/// working directory, a deadline and an output cap. On timeout or task cancellation the
/// whole group is killed (SIGKILL), so children of `sh -c` die too.
public enum ProcessRunner {
    public struct Output: Sendable, Equatable {
        public var status: Int32          // exit code, or 128 + signal
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
        public var truncated: Bool
    }

    public static func run(_ argv: [String], environment: [String: String], workingDirectory: String,
                           timeout: Duration, outputCap: Int = 256 << 10) async throws -> Output {
        guard let program = argv.first, !program.isEmpty else { throw ToolError(.invalidArgument, "empty command") }
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw ToolError(.failed, "pipe: errno \(errno)") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw ToolError(.failed, "pipe: errno \(errno)")
        }
        // Close-on-exec so concurrently spawned programs do not inherit these pipes (a
        // leaked writer keeps a reader from ever seeing EOF). dup2 clears it on 1 and 2.
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        // Nothing else of the gateway (client connections, the database, listeners) reaches
        // a tool's or agent's process.
        SpawnedDescriptors.closeAllButStandard(&actions)
        guard let addChdir = Self.addChdir else {
            close(outPipe[0]); close(outPipe[1]); close(errPipe[0]); close(errPipe[1])
            throw ToolError(.failed, "this C library lacks posix_spawn_file_actions_addchdir_np (glibc 2.29+ needed)")
        }
        _ = addChdir(&actions, workingDirectory)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new process group (pgid = child pid) so one kill reaches every descendant.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        // posix_spawnp searches PATH of *our* process; resolve with the child's PATH instead.
        let resolved = program.contains("/") ? program : Self.which(program, path: environment["PATH"] ?? "/usr/bin:/bin") ?? program
        let rc = posix_spawn(&pid, resolved, &actions, &attributes, cArgs, cEnv)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw ToolError(.failed, "cannot run \(program): \(String(cString: strerror(rc)))")
        }
        for fd in [outPipe[0], errPipe[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        defer { close(outPipe[0]); close(errPipe[0]) }

        var stdout = [UInt8](), stderr = [UInt8]()
        var truncated = false
        var kept = 0
        var timedOut = false
        var status: Int32 = 0
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func drain(_ fd: Int32, into sink: inout [UInt8]) {
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { return }
                let room = max(0, outputCap - kept)
                if n > room { truncated = true }
                sink.append(contentsOf: buffer[0..<min(n, room)])
                kept += min(n, room)
            }
        }
        while true {
            drain(outPipe[0], into: &stdout)
            drain(errPipe[0], into: &stderr)
            var raw: Int32 = 0
            let waited = waitpid(pid, &raw, WNOHANG)
            if waited == pid {
                drain(outPipe[0], into: &stdout)
                drain(errPipe[0], into: &stderr)
                status = Self.exitCode(raw)
                // Leftover grandchildren holding the pipes open are not waited for.
                kill(-pid, SIGKILL)
                break
            }
            if Task.isCancelled {
                Self.killGroup(pid)
                throw CancellationError()
            }
            if ContinuousClock.now >= deadline {
                timedOut = true
                Self.killGroup(pid)
                status = 128 + SIGKILL
                break
            }
            try? await Task.sleep(for: .milliseconds(15))
        }
        return Output(status: status, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self), timedOut: timedOut, truncated: truncated)
    }

    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc declares it only under _GNU_SOURCE, which the Glibc module does not set, so it
    /// is looked up at run time (glibc 2.29+). Spawning in a directory without it would need
    /// a shell `cd`, which the agent tools must never use.
    static let addChdir: AddChdir? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    /// SIGKILL to the group, then reap the leader so no zombie stays.
    static func killGroup(_ pid: pid_t) {
        kill(-pid, SIGKILL)
        var raw: Int32 = 0
        _ = waitpid(pid, &raw, 0)
    }

    static func exitCode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    static func which(_ program: String, path: String) -> String? {
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
