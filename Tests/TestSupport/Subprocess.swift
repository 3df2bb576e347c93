import FoundationEssentials
public import Glibc
import Net

/// Runs real programs (curl, openssl, python, the triforce binary) from tests, since
/// Foundation's Process is not available with FoundationEssentials.
public struct Subprocess: Sendable {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `argv` to completion (killed after `timeout`), feeding `input` on stdin.
    public static func run(_ argv: [String], input: String? = nil, environment: [String: String]? = nil,
                           timeout: Duration = .seconds(120)) async throws -> Output {
        let process = try Running.spawn(argv, environment: environment, stdin: input != nil)
        if let input { process.writeStdin(input) }
        process.closeStdin()
        let deadline = ContinuousClock.now + timeout
        // Drain both pipes on background threads so a chatty child never blocks on a full pipe.
        async let out = process.readAll(fd: process.stdoutFD)
        async let err = process.readAll(fd: process.stderrFD)
        let status = await process.wait(until: deadline)
        return Output(status: status, stdout: await out, stderr: await err)
    }

    /// A spawned child with pipes; for long-running servers the test kills.
    public final class Running: @unchecked Sendable {  // fields are immutable after spawn; no lock needed
        public let pid: pid_t
        public let stdinFD: Int32
        public let stdoutFD: Int32
        public let stderrFD: Int32

        init(pid: pid_t, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32) {
            self.pid = pid
            self.stdinFD = stdinFD
            self.stdoutFD = stdoutFD
            self.stderrFD = stderrFD
        }

        public static func spawn(_ argv: [String], environment: [String: String]? = nil, stdin: Bool = false) throws -> Running {
            var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
            guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
                throw Failure(description: "pipe failed: errno \(errno)")
            }
            // Close-on-exec, so a child spawned concurrently (another curl, a tool's process)
            // never inherits this child's stdin writer and keeps it from seeing EOF.
            for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
            for fd in inPipe + outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
            // Nor any other descriptor of the test process (a test's client connection held
            // by a long-lived child never closes; its server waits for that close).
            SpawnedDescriptors.closeAllButStandard(&actions)
            let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
            var pid: pid_t = 0
            let cArgs = argv.map { strdup($0) } + [nil]
            let cEnv = env.map { strdup($0) } + [nil]
            defer { (cArgs + cEnv).forEach { free($0) } }
            let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
            close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
            guard rc == 0 else {
                close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
                throw Failure(description: "cannot run \(argv[0]): \(String(cString: strerror(rc)))")
            }
            if !stdin { close(inPipe[1]) }
            return Running(pid: pid, stdinFD: stdin ? inPipe[1] : -1, stdoutFD: outPipe[0], stderrFD: errPipe[0])
        }

        public func writeStdin(_ text: String) {
            guard stdinFD >= 0 else { return }
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(stdinFD, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { break }
                offset += n
            }
        }

        public func closeStdin() { if stdinFD >= 0 { close(stdinFD) } }

        /// Reads a pipe to EOF on a detached thread-backed task.
        public func readAll(fd: Int32) async -> String {
            await withCheckedContinuation { continuation in
                DetachedThread.detach {
                    var data = [UInt8]()
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while true {
                        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                        if n <= 0 { break }
                        data.append(contentsOf: buffer[0..<n])
                    }
                    close(fd)
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                }
            }
        }

        /// Reads one line from stdout or stderr (blocking a detached thread), nil at EOF.
        public func readLine(fd: Int32) async -> String? {
            await withCheckedContinuation { continuation in
                DetachedThread.detach {
                    var line = [UInt8]()
                    var byte: UInt8 = 0
                    while read(fd, &byte, 1) == 1 {
                        if byte == 10 { continuation.resume(returning: String(decoding: line, as: UTF8.self)); return }
                        line.append(byte)
                    }
                    continuation.resume(returning: line.isEmpty ? nil : String(decoding: line, as: UTF8.self))
                }
            }
        }

        public func signal(_ sig: Int32) { kill(pid, sig) }

        /// Waits for exit; kills with SIGKILL at the deadline. Returns the exit status
        /// (128 + signal for a signalled child).
        public func wait(until deadline: ContinuousClock.Instant = .now + .seconds(60)) async -> Int32 {
            var status: Int32 = 0
            while true {
                let rc = waitpid(pid, &status, WNOHANG)
                if rc == pid { break }
                if rc < 0 { return -1 }
                if ContinuousClock.now >= deadline { kill(pid, SIGKILL) }
                try? await Task.sleep(for: .milliseconds(20))
            }
            let signalled = status & 0x7f
            return signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
        }
    }
}

/// A plain OS thread for blocking reads, so tests never block the cooperative pool.
public enum DetachedThread {
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {  // handed to exactly one new thread
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Box
            box.body()
            return nil
        }, box)
        pthread_detach(thread)
    }

    /// Runs blocking `work` on its own thread and returns its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            detach { continuation.resume(returning: work()) }
        }
    }
}
