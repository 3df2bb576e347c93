import Glibc

/// Runs an external program (curl, openssl) for real-peer tests. Foundation's Process is not
/// available, so this is posix_spawn with stdout/stderr captured in temp files, stdin from a
/// given string (or /dev/null), and a deadline after which the child is killed.
struct Subprocess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        var succeeded: Bool { status == 0 && !timedOut }
    }

    static func run(_ arguments: [String], stdin: String? = nil, timeoutSeconds: Int = 60) async -> Result {
        let directory = TempDirectory()
        let outPath = directory.path + "/stdout", errPath = directory.path + "/stderr", inPath = directory.path + "/stdin"
        if let stdin { try? writeFile(inPath, stdin) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        guard spawned == 0 else {
            return Result(status: -1, stdout: "", stderr: "spawn \(arguments[0]) failed: \(spawned)", timedOut: false)
        }

        var status: Int32 = 0
        var timedOut = false
        let deadline = monotonicSeconds() + Double(timeoutSeconds)
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { break }
            if monotonicSeconds() > deadline {
                timedOut = true
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
        return Result(status: exitCode, stdout: (try? readFile(outPath)) ?? "",
                      stderr: (try? readFile(errPath)) ?? "", timedOut: timedOut)
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// A fresh directory under /tmp, removed (recursively) when the last reference goes.
final class TempDirectory: @unchecked Sendable {
    let path: String

    init() {
        var template = Array("/tmp/triforce-tls-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) } ?? "/tmp"
        }
    }

    deinit {
        guard path.hasPrefix("/tmp/triforce-tls-"), let dir = opendir(path) else { return }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(dir)
        rmdir(path)
    }
}

func writeFile(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { throw SubprocessError(message: "open \(path)") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func readFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw SubprocessError(message: "open \(path)") }
    defer { close(fd) }
    var data = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        data += chunk[0..<n]
    }
    return String(decoding: data, as: UTF8.self)
}

struct SubprocessError: Error { var message: String }
