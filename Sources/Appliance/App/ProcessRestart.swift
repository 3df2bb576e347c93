import Glibc
import ServiceLifecycle
import Synchronization

/// A restart of this process into another binary: a service asks for it, the service group
/// drains and stops as on SIGTERM, and `serve` then `execv`s the binary with the same
/// arguments and environment. The pid stays, so systemd (`Type=notify`) keeps its MainPID
/// and hears `RELOADING=1` instead of `STOPPING=1`, then the new process's `READY=1`.
/// State is guarded by `state`'s mutex.
final class ProcessRestart: Sendable {
    private struct State {
        var group: ServiceGroup?
        var binary: String?
    }

    private let state = Mutex(State())

    /// The group whose graceful shutdown a request triggers.
    func attach(_ group: ServiceGroup) { state.withLock { $0.group = group } }

    /// The binary to exec once the group has stopped (nil: a plain stop).
    var pending: String? { state.withLock { $0.binary } }

    /// Records `binary` and starts the drain.
    func request(binary: String) async {
        let group = state.withLock { state -> ServiceGroup? in
            state.binary = binary
            return state.group
        }
        await group?.triggerGracefulShutdown()
    }

    /// Replaces this process with `binary` (argv[0] becomes its path). Every descriptor but
    /// stdin, stdout and stderr is closed on exec (a listener left open would hold its port),
    /// the signals the service group caught get their default action back and none stays
    /// blocked. Returns only when exec failed, with why.
    static func exec(_ binary: String, arguments: [String]) -> String {
        markDescriptorsCloseOnExec()
        for signalNumber in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] { signal(signalNumber, SIG_DFL) }
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        let argv = [binary] + arguments.dropFirst()
        var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        execv(binary, pointers)
        return "exec \(binary): \(String(cString: strerror(errno)))"
    }

    private static func markDescriptorsCloseOnExec() {
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(name), fd > 2, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
