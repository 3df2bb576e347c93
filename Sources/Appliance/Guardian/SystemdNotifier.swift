import Glibc
import FoundationEssentials
import Synchronization

/// sd_notify without libsystemd: datagrams to the Unix socket named by `NOTIFY_SOCKET`
/// (a path, or `@name` for the abstract namespace). Without `NOTIFY_SOCKET` every send is a
/// no-op, so the same binary runs under systemd, in a container or on a laptop.
/// The socket is opened once; sends are serialized by `socket`'s mutex.
final class SystemdNotifier: Sendable {
    private let address: [UInt8]?
    private let socket: Mutex<Int32>

    /// The notifier for this process's environment.
    convenience init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(socketName: environment["NOTIFY_SOCKET"])
    }

    init(socketName: String?) {
        address = socketName.flatMap(SystemdNotifier.sockaddrBytes)
        socket = Mutex(address == nil ? -1 : Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
    }

    deinit { socket.withLock { if $0 >= 0 { close($0) } } }

    /// True when a notify socket is configured (running under systemd `Type=notify`).
    var isEnabled: Bool { address != nil }

    /// Sends `KEY=VALUE` lines in one datagram. Returns false when disabled or the send failed
    /// (systemd gone, socket full): notification is best effort by protocol.
    @discardableResult
    func send(_ fields: [String: String]) -> Bool {
        send(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
    }

    @discardableResult
    func send(_ lines: [String]) -> Bool {
        guard let address else { return false }
        // A newline inside a value would start a new assignment: flatten it.
        let message = Array(lines.map { $0.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ") }.joined(separator: "\n").utf8)
        return socket.withLock { fd in
            guard fd >= 0 else { return false }
            return address.withUnsafeBytes { raw in
                message.withUnsafeBytes { body in
                    sendto(fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL),
                           raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count)) == body.count
                }
            }
        }
    }

    /// `sockaddr_un` bytes for a path or an abstract `@name`; nil when empty or too long.
    static func sockaddrBytes(_ name: String) -> [UInt8]? {
        var path = Array(name.utf8)
        guard !path.isEmpty else { return nil }
        let abstract = path[0] == UInt8(ascii: "@")
        if abstract { path[0] = 0 }  // the abstract namespace starts with a NUL byte
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.enumerated() { buffer[index] = byte }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        // Abstract names are length-delimited (no trailing NUL); paths carry one.
        let length = pathOffset + path.count + (abstract ? 0 : 1)
        return withUnsafeBytes(of: &address) { Array($0.prefix(length)) }
    }
}
